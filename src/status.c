/* status.c: naming statuses and mapping them to sysexits. */
#include <sysexits.h>

#include "status.h"

const char *cf_status_to_string(enum cf_status st)
{
	switch (st) {
	case CF_OK: return "success";
	case CF_ERR_USAGE: return "usage error";
	case CF_ERR_CONFIG: return "configuration error";
	case CF_ERR_NOTFOUND: return "not found";
	case CF_ERR_EXISTS: return "already exists";
	case CF_ERR_DATA: return "unacceptable data";
	case CF_ERR_TEMP: return "temporary failure";
	case CF_ERR_NOMEM: return "out of memory";
	case CF_ERR_INTERNAL: return "internal error";
	}
	return "unknown status";
}

int cf_status_to_exit(enum cf_status st)
{
	switch (st) {
	case CF_OK: return EX_OK;
	case CF_ERR_USAGE: return EX_USAGE;
	case CF_ERR_CONFIG: return EX_CONFIG;
	case CF_ERR_NOTFOUND: return EX_NOINPUT;
	case CF_ERR_EXISTS: return EX_CANTCREAT;
	case CF_ERR_DATA: return EX_DATAERR;
	case CF_ERR_TEMP:
	case CF_ERR_NOMEM:
	case CF_ERR_INTERNAL: return EX_TEMPFAIL;
	}
	return EX_TEMPFAIL;
}
