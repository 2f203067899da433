/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The Manager interface's part for the libvirt migration hook (the bus layer only): Reserve(),
 * Hold() and Release(). The logic is manager-reservation.c's; this file checks the caller,
 * decodes the source VF's descriptor (a{sv}, one table of keys) and turns results into replies.
 */

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "accmig-bus.h"
#include "bus-args.h"
#include "bus-util.h"
#include "hisi/pci-address.h"
#include "log.h"
#include "manager-reservation.h"
#include "manager.h"
#include "string-util.h"
#include "strv.h"

/* ---- The descriptor ---- */

typedef struct DescriptorKey {
        const char *name;
        char type;             /* D-Bus basic type */
        size_t offset;         /* in hisi_peer_check_device */
        int unknown_when_gone; /* the hisi_compat_field unknown when absent, or -1 */
} DescriptorKey;

#define DESC(m) offsetof(hisi_peer_check_device, desc.m)

/* "kind" and "source" are read by hand; the rest from here. */
static const DescriptorKey descriptor_keys[] = {
        { "device-id", 'q', DESC(device_id), HISI_COMPAT_DEVICE_ID },
        { "qp-num", 'u', DESC(qp_num), HISI_COMPAT_QP_NUM },
        { "queue-isolation", 'u', DESC(que_iso_cfg), HISI_COMPAT_QUEUE_ISOLATION },
        { "stream-version", 'y', DESC(stream.version), HISI_COMPAT_STREAM_VERSION },
        { "stream-major", 'q', DESC(stream.major), -1 },
        { "stream-minor", 'q', DESC(stream.minor), -1 },
        { "migration-flags", 't', DESC(mig_flags), HISI_COMPAT_MIG_FLAGS },
        { "state-size", 't', DESC(state_size), HISI_COMPAT_STATE_SIZE },
        { "qm-version", 'u', offsetof(hisi_peer_check_device, qm_version), -1 },
};

#define invalid(error, ...) sd_bus_error_setf((error), SD_BUS_ERROR_INVALID_ARGS, __VA_ARGS__)

/*
 * The source VF as the hook read it from the domain's metadata: "kind" (s) is required;
 * "source" (s, its PCI address there) and the fields of descriptor_keys are optional, and a
 * field of the check that is absent is unknown (the destination kernel checks it at load).
 */
static int read_descriptor(sd_bus_message *message, hisi_peer_check_device *ret,
                           sd_bus_error *error) {
        unsigned seen = 0;
        bool have_kind = false;
        const char *key;
        int r;

        r = sd_bus_message_enter_container(message, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(message, 'e', "sv")) > 0) {
                const DescriptorKey *k = NULL;
                char quoted[BUS_EXCERPT_SIZE];

                r = sd_bus_message_read_basic(message, 's', &key);
                if (r < 0)
                        return r;
                if (streq(key, "kind") || streq(key, "source")) {
                        const char *s;

                        if (sd_bus_message_enter_container(message, 'v', "s") < 0)
                                return invalid(error, "Descriptor key %s must be a string.", key);
                        r = sd_bus_message_read_basic(message, 's', &s);
                        if (r < 0)
                                return r;
                        bus_excerpt(s, quoted);
                        if (streq(key, "kind")) {
                                ret->desc.kind = hisi_kind_from_string(s);
                                if (ret->desc.kind < 0)
                                        return invalid(error,
                                                       "Descriptor kind \"%s\" is not zip, sec "
                                                       "or hpre.",
                                                       quoted);
                                have_kind = true;
                        } else {
                                char a[HISI_PCI_ADDRESS_MAX];

                                if (hisi_pci_address_normalize(s, a) < 0)
                                        return invalid(error,
                                                       "Descriptor source \"%s\" is not a PCI "
                                                       "address.",
                                                       quoted);
                                free(ret->source);
                                ret->source = strdup(a);
                                if (!ret->source)
                                        return -ENOMEM;
                        }
                } else {
                        char sig[2] = {};

                        for (size_t i = 0; i < ELEMENTSOF(descriptor_keys); i++)
                                if (streq(descriptor_keys[i].name, key))
                                        k = &descriptor_keys[i];
                        if (!k) {
                                bus_excerpt(key, quoted);
                                return invalid(error, "Unknown descriptor key \"%s\".", quoted);
                        }
                        sig[0] = k->type;
                        if (sd_bus_message_enter_container(message, 'v', sig) < 0)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Descriptor key %s must be of type %c.",
                                                         k->name, k->type);
                        r = sd_bus_message_read_basic(message, k->type, (uint8_t *)ret + k->offset);
                        if (r < 0)
                                return r;
                        if (k->unknown_when_gone >= 0)
                                seen |= HISI_COMPAT_UNKNOWN(k->unknown_when_gone);
                }
                r = sd_bus_message_exit_container(message);
                if (r >= 0)
                        r = sd_bus_message_exit_container(message);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(message);
        if (r < 0)
                return r;
        if (!have_kind)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "The descriptor has no kind.");
        for (size_t i = 0; i < ELEMENTSOF(descriptor_keys); i++) {
                int f = descriptor_keys[i].unknown_when_gone;

                if (f >= 0 && !(seen & HISI_COMPAT_UNKNOWN(f)))
                        ret->desc.unknown |= HISI_COMPAT_UNKNOWN(f);
        }
        if (ret->desc.unknown & HISI_COMPAT_UNKNOWN(HISI_COMPAT_STREAM_VERSION))
                ret->desc.stream = (hisi_stream_format){ .version = 1 }; /* not compared */
        else if (ret->desc.stream.version != 1 && ret->desc.stream.version != 2)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "Descriptor stream-version must be 1 or 2.");
        if (!ret->source) {
                ret->source = strdup("");
                if (!ret->source)
                        return -ENOMEM;
        }
        return 0;
}

static int read_domain(sd_bus_message *message, const char **ret, sd_bus_error *error) {
        char quoted[BUS_EXCERPT_SIZE];
        int r;

        r = sd_bus_message_read(message, "s", ret);
        if (r < 0)
                return r;
        if (!reservation_domain_valid(*ret)) {
                bus_excerpt(*ret, quoted);
                return invalid(error,
                               "\"%s\" is not a domain name (1 to 1024 bytes, no control "
                               "characters).",
                               quoted);
        }
        return 0;
}

static int verify_caller(Manager *m, sd_bus_message *message, sd_bus_error *error) {
        if (m->state == MANAGER_STOPPING)
                return sd_bus_error_set(error, ACCMIG_ERROR_SHUTTING_DOWN,
                                        "The daemon is stopping.");
        return bus_verify_admin(message, ACCMIG_POLKIT_RESERVE,
                                "Only root may reserve, hold or release VFs for a libvirt "
                                "domain.",
                                error);
}

/* ---- Methods ---- */

static const BusOption no_options[] = {
        {},
};

int manager_bus_method_reserve(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *address = NULL, *reason = NULL;
        hisi_peer_check_device src = {};
        Manager *m = userdata;
        const char *domain;
        int r;

        /* Who asks, before what they ask: the choice opens VFs. */
        r = verify_caller(m, message, error);
        if (r != 0)
                return r < 0 ? r : 1;
        r = read_descriptor(message, &src, error);
        if (r >= 0)
                r = read_domain(message, &domain, error);
        if (r >= 0)
                r = bus_read_options(message, no_options, NULL, error);
        if (r >= 0)
                r = manager_reserve(m, &src, domain, &address, &reason);
        free(src.source);
        free(src.to);
        if (r == -ESHUTDOWN)
                return sd_bus_error_set(error, ACCMIG_ERROR_SHUTTING_DOWN,
                                        "The daemon is stopping.");
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "ss", strempty(address), strempty(reason));
}

int manager_bus_method_release(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        Manager *m = userdata;
        const char *domain;
        int r;

        r = verify_caller(m, message, error);
        if (r != 0)
                return r < 0 ? r : 1;
        r = read_domain(message, &domain, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(message, "u",
                                          (uint32_t)manager_release_domain(m, domain));
}

typedef struct HoldOptions {
        char **unmanaged;
        size_t n_unmanaged;
} HoldOptions;

static const BusOption hold_options[] = {
        { "unmanaged", 'a', offsetof(HoldOptions, unmanaged), offsetof(HoldOptions, n_unmanaged) },
        {},
};

int manager_bus_method_hold(sd_bus_message *message, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_strv_free_ char **devices = NULL, **held = NULL;
        _cleanup_free_ char *text = NULL;
        HoldOptions o = {};
        Manager *m = userdata;
        const char *domain;
        size_t n;
        int r;

        r = verify_caller(m, message, error);
        if (r != 0)
                return r < 0 ? r : 1;
        r = read_domain(message, &domain, error);
        if (r < 0)
                return r;
        r = bus_read_vf_list(message, "devices", false, 4096, &devices, &n, error);
        if (r < 0)
                return r;
        r = bus_read_options(message, hold_options, &o, error);
        _cleanup_strv_free_ char **unmanaged = o.unmanaged;
        if (r < 0)
                return r;
        r = manager_hold_domain(m, domain, devices, unmanaged, &held, &text);
        if (r == -ESHUTDOWN)
                return sd_bus_error_set(error, ACCMIG_ERROR_SHUTTING_DOWN,
                                        "The daemon is stopping.");
        if (r == -EBUSY)
                return sd_bus_error_setf(error, ACCMIG_ERROR_BUSY, "%s.", text);
        if (r == -EADDRNOTAVAIL)
                return sd_bus_error_setf(error, ACCMIG_ERROR_NOT_BOUND, "%s.", text);
        if (r < 0)
                return r;
        r = sd_bus_message_new_method_return(message, &reply);
        if (r < 0)
                return r;
        r = sd_bus_message_append_strv(reply, held);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}
