# Loops: a delivery status notification (multipart/report) about one of
# our notifications, from the mailer daemon with a null return path,
# quoting the notification's headers.
#
# Expected: quarantined as bounce; nothing sent.
case_class=loops
case_title='DSN about one of our notifications'
case_expect=quarantine:bounce
case_msgid=loop.dsn@mx.clinic.example
case_build() {
	adv_own_mail notification &&
	printf 'Return-Path: <>\r\n' &&
	craft_headers "Mail Delivery System <MAILER-DAEMON@mx.clinic.example>" "Undelivered Mail Returned to Sender" "$case_msgid" &&
	printf 'Auto-Submitted: auto-replied\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="dsn-b"\r\n\r\n' &&
	printf -- '--dsn-b\r\nContent-Type: text/plain\r\n\r\nThe mail system could not deliver.\r\n' &&
	printf -- '--dsn-b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.clinic.example\r\n\r\n' &&
	printf 'Final-Recipient: rfc822; thera@clinic.example\r\nAction: failed\r\nStatus: 5.2.2\r\n\r\n' &&
	printf -- '--dsn-b\r\nContent-Type: text/rfc822-headers\r\n\r\n' &&
	sed -n '/^\r\{0,1\}$/q; p' own.eml &&
	printf '\r\n--dsn-b--\r\n'
}
