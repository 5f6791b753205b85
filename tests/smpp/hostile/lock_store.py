#!/usr/bin/env python3
"""Another process holding the store's write lock (as an operator's sqlite3
shell or a backup would): BEGIN IMMEDIATE on the database file, held for a
while. The gateway must not wait for it.

    lock_store.py DB SECONDS
prints "locked" once it holds the lock and "released" when it let go.
"""

import sqlite3
import sys
import time


def main(db, seconds):
    con = sqlite3.connect(db, isolation_level=None, timeout=30)
    con.execute('BEGIN IMMEDIATE')
    print('locked', flush=True)
    time.sleep(seconds)
    con.execute('COMMIT')
    con.close()
    print('released', flush=True)


if __name__ == '__main__':
    main(sys.argv[1], float(sys.argv[2]))
