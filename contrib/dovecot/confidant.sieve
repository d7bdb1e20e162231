# confidant.sieve: the practice user's Sieve script: every message goes to
# `confidant deliver`, nothing is kept in the mailbox.
#
# Choose it only when mail reaches the practice user through Dovecot alone
# (LMTP); when the MTA can run a command, the LDA variant (confidant-lda
# beside this file) or contrib/postfix/ is safer, as 90-confidant.conf
# explains.  Needs the settings in 90-confidant.conf.
#
# A Sieve script cannot report a temporary failure to the MTA.  If confidant
# fails, the pipe action fails, and Dovecot keeps the message in the
# practice user's INBOX instead (its log says "Execution of script ...
# failed, but implicit keep was successful").  Feed those messages again
# once the cause is fixed; a message Confidant has already stored is
# recognised and stored once:
#   sieve-filter -o mbox_write_locks=fcntl -e -W /var/lib/confidant/.dovecot.sieve INBOX expunge
# run as the practice user (contrib/cron/confidant has it as a cron line).
# It pipes each INBOX message through this script and expunges the ones
# confidant took; the others stay.  The -o matters with Debian's default
# mbox INBOX in /var/mail, where only Dovecot's own delivery (with
# mail_privileged_group) may make dotlocks; fcntl locks still exclude
# Dovecot's deliveries, and with Maildir the option does nothing.
#
# Install as /var/lib/confidant/.dovecot.sieve, owned by confidant, mode
# 0600.  The arguments name the practice home; "confidant" is the name of
# the link in sieve_pipe_bin_dir.

require ["vnd.dovecot.pipe"];

# No ":try": a failure must fail the script, so that the message is kept
# rather than dropped.  A successful pipe cancels the implicit keep.
pipe "confidant" ["-H", "/var/lib/confidant", "deliver"];
