#!/usr/bin/env python3
"""What one batch of the lookup log's retention purge costs when few rows
are due, on a log of N rows: the search by request time the purge used
before (no index on it: the whole log is read) and the 500 oldest rows it
takes now. SQLite through Python's sqlite3 (the same library sigwayd links);
the table and its indexes as src/lookup/lookup_db.c makes them.

usage: python3 contrib/bench/lookup_purge_scan.py [--rows N] [--runs K]
"""

import argparse
import os
import sqlite3
import statistics
import tempfile
import time

SCHEMA = """
CREATE TABLE lookups (id INTEGER PRIMARY KEY AUTOINCREMENT, ref TEXT NOT NULL UNIQUE, account TEXT NOT NULL,
  msisdn TEXT NOT NULL, request_ms INTEGER NOT NULL, done_ms INTEGER NOT NULL, source TEXT NOT NULL,
  billed INTEGER NOT NULL, status TEXT NOT NULL, operator TEXT NOT NULL, job TEXT, seq INTEGER, result TEXT NOT NULL);
CREATE INDEX lookups_account ON lookups (account, request_ms);
CREATE INDEX lookups_msisdn ON lookups (msisdn, request_ms);
CREATE UNIQUE INDEX lookups_job ON lookups (job, seq) WHERE job IS NOT NULL;
CREATE INDEX lookups_job_id ON lookups (job, id) WHERE job IS NOT NULL;
"""
BEFORE = "DELETE FROM lookups WHERE id IN (SELECT id FROM lookups WHERE request_ms < ?1 ORDER BY id LIMIT 500)"
NOW = "DELETE FROM lookups WHERE id IN (SELECT id FROM lookups ORDER BY id LIMIT 500) AND request_ms < ?1"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--rows', type=int, default=2000000)
    ap.add_argument('--runs', type=int, default=7)
    args = ap.parse_args()
    path = os.path.join(tempfile.mkdtemp(prefix='purge-scan-'), 'store.db')
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.executemany("INSERT INTO lookups (ref, account, msisdn, request_ms, done_ms, source, billed, status, operator,"
                   " result) VALUES (?, 'acct', ?, ?, ?, 'network', 1, 'CONNECTED', 'op', '{}')",
                   (('lk%d' % i, '4917%08d' % (i % 10 ** 8), 10 ** 6 + i, 10 ** 6 + i) for i in range(args.rows)))
    db.commit()
    print('%d rows, SQLite %s, %d runs each, nothing due (the retention cuts before the oldest row)' % (
        args.rows, sqlite3.sqlite_version, args.runs))
    for name, sql in (('before: search by request_ms', BEFORE), ('now: the 500 oldest rows', NOW)):
        ms = []
        for _ in range(args.runs):
            t0 = time.perf_counter()
            db.execute(sql, (0,))
            ms.append((time.perf_counter() - t0) * 1000)
            db.rollback()
        print('%-30s median %.2f ms (min %.2f, max %.2f)' % (name, statistics.median(ms), min(ms), max(ms)))
    db.close()
    os.unlink(path)


if __name__ == '__main__':
    main()
