/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The migration hook's calls to hisi-accmigd (see hook-bus.h). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accmig-bus.h"
#include "file-util.h"
#include "hook-bus.h"
#include "macro.h"
#include "parse-util.h"
#include "strv.h"
#include "time-util.h"

static uint64_t timeout_usec(void) {
        const char *e = getenv("HISI_ACCMIG_HOOK_TIMEOUT_MS");
        uint32_t ms;

        if (e && safe_atou32(e, &ms) >= 0 && ms >= 10 && ms <= 600000)
                return ms * USEC_PER_MSEC;
        return HOOK_BUS_TIMEOUT_MS * USEC_PER_MSEC;
}

int hook_bus_open(HookBus *b, char **ret_error) {
        int r;

        *b = (HookBus){ .timeout_usec = timeout_usec() };
        r = sd_bus_open_system(&b->bus);
        if (r < 0)
                return asprintf_safe(ret_error, "cannot connect to the system bus: %s",
                                     strerror(-r)) < 0
                               ? -ENOMEM
                               : r;
        (void)sd_bus_set_method_call_timeout(b->bus, b->timeout_usec);
        (void)sd_bus_error_add_map(bus_error_map);
        return 0;
}

void hook_bus_close(HookBus *b) {
        b->bus = sd_bus_flush_close_unref(b->bus);
}

/* A call that failed, as a sentence and an errno. */
static int failed(HookBus *b, const char *method, const sd_bus_error *e, int r, char **ret_error) {
        if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER))
                return asprintf_safe(ret_error,
                                     "hisi-accmigd is not running (no %s on the system bus)",
                                     ACCMIG_BUS_NAME) < 0
                               ? -ENOMEM
                               : -ESRCH;
        if (r == -ETIMEDOUT || sd_bus_error_has_name(e, SD_BUS_ERROR_TIMEOUT) ||
            sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY))
                return asprintf_safe(ret_error, "hisi-accmigd did not answer %s within %llu ms",
                                     method,
                                     (unsigned long long)(b->timeout_usec / USEC_PER_MSEC)) < 0
                               ? -ENOMEM
                               : -ETIMEDOUT;
        return asprintf_safe(ret_error, "hisi-accmigd refused %s: %s", method,
                             e && e->message ? e->message : strerror(-r)) < 0
                       ? -ENOMEM
                       : (r < 0 ? r : -EIO);
}

static int append_descriptor(sd_bus_message *m, const AccmigVf *vf) {
        const hisi_vf_desc *d = &vf->desc;
        int r;

#define KNOWN(f) (!(d->unknown & HISI_COMPAT_UNKNOWN(f)))
        r = sd_bus_message_open_container(m, 'a', "{sv}");
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "kind", "s", hisi_kind_to_string(d->kind));
        if (r >= 0)
                r = sd_bus_message_append(m, "{sv}", "source", "s", vf->address);
        if (r >= 0 && KNOWN(HISI_COMPAT_DEVICE_ID))
                r = sd_bus_message_append(m, "{sv}", "device-id", "q", d->device_id);
        if (r >= 0 && KNOWN(HISI_COMPAT_QP_NUM))
                r = sd_bus_message_append(m, "{sv}", "qp-num", "u", d->qp_num);
        if (r >= 0 && KNOWN(HISI_COMPAT_QUEUE_ISOLATION))
                r = sd_bus_message_append(m, "{sv}", "queue-isolation", "u", d->que_iso_cfg);
        if (r >= 0 && KNOWN(HISI_COMPAT_STREAM_VERSION))
                r = sd_bus_message_append(m, "{sv}{sv}{sv}", "stream-version", "y",
                                          d->stream.version, "stream-major", "q", d->stream.major,
                                          "stream-minor", "q", d->stream.minor);
        if (r >= 0 && KNOWN(HISI_COMPAT_MIG_FLAGS))
                r = sd_bus_message_append(m, "{sv}", "migration-flags", "t", d->mig_flags);
        if (r >= 0 && KNOWN(HISI_COMPAT_STATE_SIZE))
                r = sd_bus_message_append(m, "{sv}", "state-size", "t", d->state_size);
        if (r >= 0 && vf->qm_version > 0)
                r = sd_bus_message_append(m, "{sv}", "qm-version", "u", vf->qm_version);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
#undef KNOWN
        return r;
}

int hook_bus_reserve(HookBus *b, const AccmigVf *vf, const char *domain, char **ret_address,
                     char **ret_reason, char **ret_error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        const char *address, *reason;
        int r;

        r = sd_bus_message_new_method_call(b->bus, &call, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                           ACCMIG_MANAGER_INTERFACE, "Reserve");
        if (r >= 0)
                r = append_descriptor(call, vf);
        if (r >= 0)
                r = sd_bus_message_append(call, "sa{sv}", domain, 0);
        if (r < 0)
                return r;
        r = sd_bus_call(b->bus, call, b->timeout_usec, &e, &reply);
        if (r < 0)
                return failed(b, "Reserve", &e, r, ret_error);
        r = sd_bus_message_read(reply, "ss", &address, &reason);
        if (r < 0)
                return r;
        if (address[0]) {
                *ret_address = strdup(address);
                return *ret_address ? 1 : -ENOMEM;
        }
        *ret_reason = strdup(reason[0] ? reason : "no reason given");
        return *ret_reason ? 0 : -ENOMEM;
}

int hook_bus_hold(HookBus *b, const char *domain, char *const *devices, char *const *unmanaged,
                  char ***ret_held, char **ret_error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL, *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_new_method_call(b->bus, &call, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH,
                                           ACCMIG_MANAGER_INTERFACE, "Hold");
        if (r >= 0)
                r = sd_bus_message_append(call, "s", domain);
        if (r >= 0)
                r = sd_bus_message_append_strv(call, (char **)devices);
        if (r >= 0)
                r = sd_bus_message_open_container(call, 'a', "{sv}");
        if (r >= 0 && unmanaged && unmanaged[0]) {
                r = sd_bus_message_open_container(call, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(call, "s", "unmanaged");
                if (r >= 0)
                        r = sd_bus_message_open_container(call, 'v', "as");
                if (r >= 0)
                        r = sd_bus_message_append_strv(call, (char **)unmanaged);
                if (r >= 0)
                        r = sd_bus_message_close_container(call);
                if (r >= 0)
                        r = sd_bus_message_close_container(call);
        }
        if (r >= 0)
                r = sd_bus_message_close_container(call);
        if (r < 0)
                return r;
        r = sd_bus_call(b->bus, call, b->timeout_usec, &e, &reply);
        if (r < 0)
                return failed(b, "Hold", &e, r, ret_error);
        return sd_bus_message_read_strv(reply, ret_held);
}

int hook_bus_release(HookBus *b, const char *domain, unsigned *ret_n, char **ret_error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        uint32_t n;
        int r;

        r = sd_bus_call_method(b->bus, ACCMIG_BUS_NAME, ACCMIG_BUS_PATH, ACCMIG_MANAGER_INTERFACE,
                               "Release", &e, &reply, "s", domain);
        if (r < 0)
                return failed(b, "Release", &e, r, ret_error);
        r = sd_bus_message_read(reply, "u", &n);
        if (r < 0)
                return r;
        if (ret_n)
                *ret_n = n;
        return 0;
}
