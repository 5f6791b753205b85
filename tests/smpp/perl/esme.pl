#!/usr/bin/perl
# An ESME built on Debian's Net::SMPP (libnet-smpp-perl, not ours), driven by
# command-line options:
#
#   perl esme.pl --port 2775 --system-id demo --password demo --mode transceiver \
#        --submit 491770000001:Hello --submit 491770000002:Hi --long 491770000003 \
#        --receipts 3 --mo 1 --timeout 60
#
#   --mode      transceiver (default), transmitter or receiver
#   --submit    DEST:TEXT, repeatable: a submit_sm from 4000 (TON 1 NPI 1) to
#               DEST (TON 1 NPI 1), registered_delivery 1, the text in short_message
#   --long      [DEST] one more submit_sm (default DEST 491770000001) whose
#               300-character text goes in the message_payload TLV (short_message empty)
#   --receipts  N: wait for N delivery receipts (deliver_sm with esm_class 0x04)
#   --mo        N: wait for N other deliver_sm (mobile originated)
#   --timeout   S: give up after S seconds (default 60)
#   --unbind-at-once: unbind right after the submits, without waiting for
#               their answers; then read until the SMSC closes the connection
#
# Prints one JSON object per line: bind_resp, submit_sm (what was sent),
# submit_sm_resp (index in the order the submits were given, --long last),
# deliver_sm (every one, each answered with deliver_sm_resp) and done; then
# unbinds (unbind_resp).
#
# Net::SMPP's request methods are synchronous by default and wait_pdu()
# drops every PDU that is not the awaited response (a deliver_sm coming while
# it waits for a submit_sm_resp would be lost unanswered), so only the bind
# is synchronous; submit_sm and unbind go with async => 1 and one read loop
# below takes every PDU. read_hard() installs its own SIGALRM handler, so the
# deadline is kept with select() on the socket rather than with alarm().
use strict;
use warnings;
use Getopt::Long;
use IO::Select;
use JSON::PP;
use Time::HiRes qw(time);
use Net::SMPP;

my %o = (host => '127.0.0.1', port => 2775, 'system-id' => 'demo', password => 'demo',
         mode => 'transceiver', receipts => 0, mo => 0, timeout => 60);
my @submit;
GetOptions(\%o, 'host=s', 'port=i', 'system-id=s', 'password=s', 'mode=s', 'submit=s' => \@submit,
           'long:s', 'receipts=i', 'mo=i', 'timeout=f', 'unbind-at-once')
    or die "usage: esme.pl --port N [--system-id ID --password PW --mode MODE --submit DEST:TEXT ... "
         . "--long [DEST] --receipts N --mo N --timeout S]\n";

my $json = JSON::PP->new->canonical(1)->ascii(1);
$| = 1;
sub out { print $json->encode({@_}), "\n"; }

# data_coding 0 is the SMSC default alphabet, for sigwayd GSM 03.38 with one
# septet per octet (doc/sms-ussd-coding.md): the texts keep to the characters
# that ASCII and GSM 03.38 code alike (no _ @ $ ` ^ { } [ ] ~ \ |)
my $LONG_TEXT = substr(('This message is longer than one SMS can carry: Net::SMPP sends it in the '
                        . 'message payload TLV with an empty short message, and the gateway splits it into '
                        . 'concatenated parts for the mobile network. ') x 2, 0, 300);

# the submits, in order: [destination, text, in message_payload?]
my @plan;
for (@submit) {
    my ($dest, $text) = /^([^:]*):(.*)$/s or die "--submit wants DEST:TEXT, not '$_'\n";
    push @plan, [$dest, $text, 0];
}
push @plan, [$o{long} eq '' ? '491770000001' : $o{long}, $LONG_TEXT, 1] if defined $o{long};

my %ctor = (transceiver => 'new_transceiver', transmitter => 'new_transmitter', receiver => 'new_receiver');
my $ctor = $ctor{$o{mode}} or die "--mode: transceiver, transmitter or receiver\n";

my $deadline = time + $o{timeout};
my ($smpp, $resp) = Net::SMPP->$ctor($o{host}, port => $o{port}, system_id => $o{'system-id'},
                                     password => $o{password}, timeout => 5);
if (!$smpp) {
    out(event => 'error', message => "connect: $!");
    out(event => 'done', reason => 'connect failed', receipts => 0, mo => 0, answered => 0);
    exit 2;
}
if (!$resp) {
    out(event => 'error', message => 'no bind response: ' . (${*$smpp}{smpperror} // $!));
    out(event => 'done', reason => 'bind failed', receipts => 0, mo => 0, answered => 0);
    exit 1;
}
out(event => 'bind_resp', status => $resp->status, system_id => $resp->{system_id});
if ($resp->status != 0) {
    out(event => 'done', reason => 'bind refused', receipts => 0, mo => 0, answered => 0);
    close $smpp;
    exit 0;
}

# send every submit_sm at once (the account's window is 100); seq -> index
my %index_of;
for my $i (0 .. $#plan) {
    my ($dest, $text, $payload) = @{$plan[$i]};
    my @args = (source_addr_ton => 1, source_addr_npi => 1, source_addr => '4000',
                dest_addr_ton => 1, dest_addr_npi => 1, destination_addr => $dest,
                registered_delivery => 1, data_coding => 0);
    # an optional parameter goes by its name from Net::SMPP's param_tab: a
    # numeric tag would make it pack the value as an integer
    push @args, $payload ? (short_message => '', message_payload => $text) : (short_message => $text);
    my $seq = $smpp->submit_sm(@args, async => 1);
    $index_of{$seq} = $i;
    out(event => 'submit_sm', index => $i, seq => $seq, destination_addr => $dest, text => $text,
        message_payload => $payload ? JSON::PP::true : JSON::PP::false);
}

# the C-Octet String TLVs arrive with their terminating NUL
sub cstr { my $v = shift; return undef unless defined $v; $v =~ s/\0+\z//; return $v; }

my ($receipts, $mo, $answered) = (0, 0, 0);
my $reason;

# one PDU from the peer; returns false when the session is over
sub handle {
    my $pdu = shift;
    my $cmd = $pdu->cmd;
    if ($cmd == Net::SMPP::CMD_submit_sm_resp) {
        my $i = delete $index_of{$pdu->seq};
        $answered++;
        out(event => 'submit_sm_resp', index => $i, status => $pdu->status, message_id => $pdu->{message_id},
            seq => $pdu->seq);
    } elsif ($cmd == Net::SMPP::CMD_deliver_sm) {
        my %ev = (event => 'deliver_sm', esm_class => $pdu->{esm_class}, source_addr => $pdu->{source_addr},
                  source_addr_ton => $pdu->{source_addr_ton}, source_addr_npi => $pdu->{source_addr_npi},
                  destination_addr => $pdu->{destination_addr}, data_coding => $pdu->{data_coding},
                  text => $pdu->{short_message}, seq => $pdu->seq);
        $ev{message_payload} = $pdu->{message_payload} if defined $pdu->{message_payload};
        $ev{receipted_message_id} = cstr($pdu->{receipted_message_id}) if defined $pdu->{receipted_message_id};
        $ev{message_state} = unpack('C', $pdu->{message_state}) if defined $pdu->{message_state};
        $ev{network_error_code} = unpack('H*', $pdu->{network_error_code}) if defined $pdu->{network_error_code};
        out(%ev);
        # deliver_sm_resp's message_id is unused (NULL), but Net::SMPP croaks without one
        $smpp->deliver_sm_resp(seq => $pdu->seq, message_id => '');
        if ($pdu->{esm_class} & 0x04) { $receipts++ } else { $mo++ }
    } elsif ($cmd == Net::SMPP::CMD_enquire_link) {
        $smpp->enquire_link_resp(seq => $pdu->seq);
    } elsif ($cmd == Net::SMPP::CMD_unbind) {
        $smpp->unbind_resp(seq => $pdu->seq);
        $reason //= 'unbound by the SMSC';
        return 0;
    } elsif ($cmd == Net::SMPP::CMD_unbind_resp) {
        return 0;
    } elsif ($cmd == Net::SMPP::CMD_generic_nack) {
        out(event => 'generic_nack', status => $pdu->status, seq => $pdu->seq);
        if (defined(my $i = delete $index_of{$pdu->seq})) {
            $answered++;
            out(event => 'submit_sm_resp', index => $i, status => $pdu->status, message_id => undef,
                seq => $pdu->seq, generic_nack => JSON::PP::true);
        }
    } elsif (!($cmd & 0x80000000)) {
        out(event => 'unexpected', command_id => sprintf('0x%08x', $cmd), seq => $pdu->seq);
        $smpp->generic_nack(seq => $pdu->seq, status => 0x03);
    } else {
        out(event => 'unexpected', command_id => sprintf('0x%08x', $cmd), seq => $pdu->seq);
    }
    return 1;
}

sub complete {
    return $answered == @plan && $receipts >= $o{receipts} && $mo >= $o{mo};
}

# reads PDUs until complete(), the deadline or the end of the connection
my $sel = IO::Select->new($smpp);
sub pump {
    my ($until, $deadline) = @_;
    while (!$until->()) {
        my $left = $deadline - time;
        return 'timeout' if $left <= 0;
        next unless $sel->can_read($left);
        my $pdu = $smpp->read_pdu();
        return 'closed: ' . (${*$smpp}{smpperror} // 'eof') unless $pdu;
        return $reason // 'closed' unless handle($pdu);
    }
    return 'complete';
}

if ($o{'unbind-at-once'}) {
    # every answer the SMSC owes, then its unbind_resp, then the end
    my $unbind_seq = $smpp->unbind(async => 1);
    while (1) {
        my $left = $deadline - time;
        last if $left <= 0 || !$sel->can_read($left);
        my $pdu = $smpp->read_pdu() or last;
        if ($pdu->cmd == Net::SMPP::CMD_unbind_resp) {
            out(event => 'unbind_resp', status => $pdu->status, seq => $pdu->seq, answered_before => $answered);
            next;
        }
        handle($pdu);
    }
    out(event => 'done', reason => 'closed', receipts => $receipts, mo => $mo, answered => $answered);
    close $smpp;
    exit 0;
}

$reason = pump(\&complete, $deadline);
out(event => 'done', reason => $reason, receipts => $receipts, mo => $mo, answered => $answered);
if ($reason eq 'complete' || $reason eq 'timeout') {
    # unbind; deliver_sm that still come meanwhile are answered too
    my $unbind_seq = $smpp->unbind(async => 1);
    my $end = time + 5;
    while (time < $end) {
        last unless $sel->can_read($end - time);
        my $pdu = $smpp->read_pdu() or last;
        if ($pdu->cmd == Net::SMPP::CMD_unbind_resp && $pdu->seq == $unbind_seq) {
            out(event => 'unbind_resp', status => $pdu->status);
            last;
        }
        handle($pdu) or last;
    }
}
close $smpp;
exit 0;
