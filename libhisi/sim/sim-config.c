/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated host's configuration: defaults, the JSON decoder and its checks (see
 * sim-config.h). */

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "file-util.h"
#include "hisi/json-dispatch.h"
#include "macro.h"
#include "sim-config.h"

#define DEFAULT_PROFILE    SIM_PROFILE_6_16
#define DEFAULT_SEED       1
#define DEFAULT_NUM_VFS    4
#define DEFAULT_TOTAL_VFS  63
#define DEFAULT_QP_PER_VF  64
#define DEFAULT_QM_VERSION 0x30 /* QM_HW_V3 */
#define TOTAL_VFS_MAX      255
#define QP_PER_VF_MAX      1024
#define QM_VERSION_MAX     255 /* the kernel takes it from the PCI revision ID */
#define ADDRESS_STRING_MAX 64  /* longer than any spelling of a PCI address */
#define FAULTS_MAX         64
#define FAULT_TYPE_MAX     16

static const struct {
        hisi_kind kind;
        const char *address;
} default_pfs[] = {
        { HISI_KIND_ZIP, "0000:75:00.0" },
        { HISI_KIND_SEC, "0000:76:00.0" },
        { HISI_KIND_HPRE, "0000:79:00.0" },
};

/* enum qm_hw_ver, include/linux/hisi_acc_qm.h */
static const struct {
        const char *name;
        uint32_t version;
} qm_versions[] = {
        { "v1", 0x20 },
        { "v2", 0x21 },
        { "v3", 0x30 },
};

static void pf_default(sim_pf_config *pf, hisi_kind kind, const char *address) {
        *pf = (sim_pf_config){
                .kind = kind,
                .num_vfs = DEFAULT_NUM_VFS,
                .total_vfs = DEFAULT_TOTAL_VFS,
                .qp_per_vf = DEFAULT_QP_PER_VF,
                .qm_version = DEFAULT_QM_VERSION,
                .driver_bound = true,
                .guest_driver = true,
        };
        snprintf(pf->address, sizeof(pf->address), "%s", address);
}

static int default_pf_list(sim_pf_config **ret, size_t *ret_n) {
        sim_pf_config *pfs = calloc(ELEMENTSOF(default_pfs), sizeof(*pfs));

        if (!pfs)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(default_pfs); i++)
                pf_default(&pfs[i], default_pfs[i].kind, default_pfs[i].address);
        *ret = pfs;
        *ret_n = ELEMENTSOF(default_pfs);
        return 0;
}

int sim_config_default(sim_config *ret) {
        sim_config c = { .profile = DEFAULT_PROFILE,
                         .reset_fix = sim_profile_reset_fix(DEFAULT_PROFILE),
                         .seed = DEFAULT_SEED };
        int r;

        if (!ret)
                return -EINVAL;
        r = default_pf_list(&c.pfs, &c.n_pfs);
        if (r < 0)
                return r;
        *ret = c;
        return 0;
}

void sim_config_done(sim_config *c) {
        if (!c)
                return;
        free(c->pfs);
        json_object_put(c->faults);
        *c = (sim_config){};
}

int sim_config_copy(const sim_config *c, sim_config *ret) {
        sim_config copy;

        if (!c || !ret || (c->n_pfs > 0 && !c->pfs))
                return -EINVAL;
        copy = *c;
        copy.pfs = memdup(c->pfs, c->n_pfs * sizeof(*c->pfs));
        if (!copy.pfs)
                return -ENOMEM;
        copy.faults = json_object_get(c->faults);
        *ret = copy;
        return 0;
}

/* ---- Addresses ----------------------------------------------------------------------------- */

typedef struct routing_id {
        unsigned domain;
        unsigned bus;
        unsigned devfn; /* device << 3 | function */
} routing_id;

static int routing_id_parse(const char *address, routing_id *ret) {
        char canon[HISI_PCI_ADDRESS_MAX];
        unsigned dev, fn;

        if (hisi_pci_address_normalize(address, canon) < 0)
                return -EINVAL;
        if (sscanf(canon, "%x:%x:%x.%x", &ret->domain, &ret->bus, &dev, &fn) != 4)
                return -EINVAL;
        ret->devfn = dev << 3 | fn;
        return 0;
}

static void routing_id_format(const routing_id *id, unsigned devfn,
                              char ret[static HISI_PCI_ADDRESS_MAX]) {
        /* The masks tell the compiler what normalisation guarantees: the text fits. */
        snprintf(ret, HISI_PCI_ADDRESS_MAX, "%04x:%02x:%02x.%x", id->domain & 0xffff,
                 id->bus & 0xff, (devfn >> 3) & 0x1f, devfn & 7);
}

int sim_config_vf_address(const sim_pf_config *pf, unsigned index,
                          char ret[static HISI_PCI_ADDRESS_MAX]) {
        routing_id id;
        uint64_t devfn;

        if (!pf || !ret || routing_id_parse(pf->address, &id) < 0)
                return -EINVAL;
        devfn = (uint64_t)id.devfn + 1 + index;
        if (devfn > 0xff)
                return -ERANGE;
        routing_id_format(&id, (unsigned)devfn, ret);
        return 0;
}

/* ---- Decoding ------------------------------------------------------------------------------ */

/* Kernel QM versions by name, in any case. */
static int qm_version_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(qm_versions); i++)
                if (strcasecmp(s, qm_versions[i].name) == 0)
                        return (int)i;
        return -EINVAL;
}

static const char *qm_version_to_string(int i) {
        return i >= 0 && (size_t)i < ELEMENTSOF(qm_versions) ? qm_versions[i].name : NULL;
}

/* The address of function 0 of a device, canonical. */
static int dispatch_pf_address(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        char canon[HISI_PCI_ADDRESS_MAX];
        const char *s;
        int r;

        r = hisi_json_string(v, ADDRESS_STRING_MAX, &s);
        if (r < 0)
                return r;
        if (hisi_pci_address_normalize(s, canon) < 0)
                return hisi_json_reject(v, "expected a PCI address such as \"0000:75:00.0\"");
        if (canon[STRLEN("0000:00:00.")] != '0')
                return hisi_json_reject(v, "expected the address of function 0 of a device");
        memcpy(hisi_json_field_target(f, base), canon, HISI_PCI_ADDRESS_MAX);
        return 0;
}

/* VFs enabled: up to the field's max, and to total_vfs, which the table decodes first. */
static int dispatch_num_vfs(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        sim_pf_config *pf = base;
        uint64_t u;
        int r;

        r = hisi_json_uint(v, 0, f->max, &u);
        if (r < 0)
                return r;
        if (u > pf->total_vfs)
                return hisi_json_reject(v, "expected an integer from 0 to total_vfs (%u)",
                                        pf->total_vfs);
        pf->num_vfs = (unsigned)u;
        return 0;
}

/* An integer from 0 to QM_VERSION_MAX, or the name of a kernel QM version. */
static int dispatch_qm_version(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        uint32_t *ret = hisi_json_field_target(f, base);
        uint64_t u;
        int r, i;

        if (hisi_json_type(v) == json_type_string) {
                r = hisi_json_enum(v, qm_version_from_string, qm_version_to_string, &i);
                if (r < 0)
                        return r;
                *ret = qm_versions[i].version;
                return 0;
        }
        if (hisi_json_type(v) != json_type_int)
                return hisi_json_reject(v,
                                        "expected an integer from 0 to %u, or \"v1\", \"v2\" "
                                        "or \"v3\"",
                                        QM_VERSION_MAX);
        r = hisi_json_uint(v, 0, QM_VERSION_MAX, &u);
        if (r < 0)
                return r;
        *ret = (uint32_t)u;
        return 0;
}

static_assert(sizeof(unsigned) == sizeof(uint32_t), "VF counts are decoded as uint32_t");

static const hisi_json_field pf_fields[] = {
        { "address", HISI_JSON_CUSTOM, offsetof(sim_pf_config, address), HISI_JSON_REQUIRED,
          .dispatch = dispatch_pf_address },
        { "kind", HISI_JSON_ENUM, offsetof(sim_pf_config, kind), HISI_JSON_REQUIRED,
          .from_string = hisi_kind_from_string, .to_string = hisi_kind_to_string },
        { "total_vfs", HISI_JSON_UINT32, offsetof(sim_pf_config, total_vfs), .min = 1,
          .max = TOTAL_VFS_MAX },
        { "vfs", HISI_JSON_CUSTOM, offsetof(sim_pf_config, num_vfs), .max = TOTAL_VFS_MAX,
          .dispatch = dispatch_num_vfs },
        { "qp_per_vf", HISI_JSON_UINT32, offsetof(sim_pf_config, qp_per_vf), .min = 1,
          .max = QP_PER_VF_MAX },
        { "que_iso_cfg", HISI_JSON_UINT32, offsetof(sim_pf_config, que_iso_cfg) },
        { "qm_version", HISI_JSON_CUSTOM, offsetof(sim_pf_config, qm_version),
          .dispatch = dispatch_qm_version },
        { "driver_bound", HISI_JSON_BOOL, offsetof(sim_pf_config, driver_bound) },
        { "guest_driver", HISI_JSON_BOOL, offsetof(sim_pf_config, guest_driver) },
        {},
};

/*
 * The routing IDs of every PF's total_vfs VFs must fit on its bus and must not meet another PF
 * or its VFs. VF ranges start right after their PF, so two ranges cannot overlap without one
 * of them covering the other's PF: that is the one case to look for, besides equal addresses.
 */
static int check_layout(const hisi_json_value *array, const sim_pf_config *pfs, size_t n) {
        for (size_t j = 0; j < n; j++) {
                char addr[HISI_PCI_ADDRESS_MAX];
                hisi_json_value pv, m;
                routing_id b;

                hisi_json_element(array, j, &pv);
                if (routing_id_parse(pfs[j].address, &b) < 0)
                        return hisi_json_error(&pv, -EINVAL, "invalid address");
                if (streq(pfs[j].address, SIM_BRIDGE_ADDRESS)) {
                        hisi_json_member_path(&pv, "address", &m);
                        return hisi_json_error(&m, -EINVAL,
                                               "%s is the simulated host's PCIe root port",
                                               SIM_BRIDGE_ADDRESS);
                }
                if (b.devfn + pfs[j].total_vfs > 0xff) {
                        hisi_json_member_path(&pv, "total_vfs", &m);
                        return hisi_json_error(&m, -EINVAL,
                                               "%u VFs after %s do not fit on bus %02x "
                                               "(room for %u)",
                                               pfs[j].total_vfs, pfs[j].address, b.bus,
                                               0xff - b.devfn);
                }
                for (size_t i = 0; i < j; i++) {
                        routing_id a;

                        if (routing_id_parse(pfs[i].address, &a) < 0)
                                return -EINVAL; /* checked when it was j */
                        if (a.domain != b.domain || a.bus != b.bus)
                                continue;
                        if (a.devfn == b.devfn) {
                                hisi_json_member_path(&pv, "address", &m);
                                return hisi_json_error(&m, -EINVAL,
                                                       "%s is already the address of pfs[%zu]",
                                                       pfs[j].address, i);
                        }
                        if (b.devfn > a.devfn && b.devfn <= a.devfn + pfs[i].total_vfs) {
                                hisi_json_member_path(&pv, "address", &m);
                                return hisi_json_error(&m, -EINVAL,
                                                       "%s is taken by VF %u of pfs[%zu] (%s has "
                                                       "total_vfs %u)",
                                                       pfs[j].address, b.devfn - a.devfn - 1, i,
                                                       pfs[i].address, pfs[i].total_vfs);
                        }
                        if (a.devfn > b.devfn && a.devfn <= b.devfn + pfs[j].total_vfs) {
                                routing_id_format(&b, a.devfn, addr);
                                hisi_json_member_path(&pv, "total_vfs", &m);
                                return hisi_json_error(&m, -EINVAL,
                                                       "VF %u of %s would be %s, the address of "
                                                       "pfs[%zu]",
                                                       a.devfn - b.devfn - 1, pfs[j].address, addr,
                                                       i);
                        }
                }
        }
        return 0;
}

/* The PFs, which replace the default list. */
static int dispatch_pfs(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        _cleanup_free_ sim_pf_config *pfs = NULL;
        sim_config *c = base;
        size_t n;
        int r;

        r = hisi_json_expect_array(v, 1, SIM_CONFIG_PFS_MAX);
        if (r < 0)
                return r;
        n = hisi_json_length(v);
        pfs = calloc(n, sizeof(*pfs));
        if (!pfs)
                return hisi_json_error(v, -ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
                hisi_json_value e;

                hisi_json_element(v, i, &e);
                pf_default(&pfs[i], HISI_KIND_ZIP, "");
                r = hisi_json_dispatch(&e, pf_fields, 0, &pfs[i]);
                if (r < 0)
                        return r;
                /* The default number of VFs does not fit a small total_vfs: enable them all. */
                pfs[i].num_vfs = MIN(pfs[i].num_vfs, pfs[i].total_vfs);
        }
        r = check_layout(v, pfs, n);
        if (r < 0)
                return r;
        free(c->pfs);
        c->pfs = TAKE_PTR(pfs);
        c->n_pfs = n;
        return 0;
}

/* What the config checks of a fault request; the host checks the rest when it applies it. */
typedef struct fault_check {
        char *type;
        char *device;
} fault_check;

static void fault_check_done(fault_check *f) {
        free(f->type);
        free(f->device);
}

static const hisi_json_field fault_fields[] = {
        { "type", HISI_JSON_STRING, offsetof(fault_check, type), HISI_JSON_REQUIRED,
          .max = FAULT_TYPE_MAX },
        { "device", HISI_JSON_STRING, offsetof(fault_check, device), .max = HISI_PCI_ADDRESS_MAX },
        { "from", HISI_JSON_ANY },
        { "to", HISI_JSON_ANY },
        { "errno", HISI_JSON_ANY },
        { "once", HISI_JSON_ANY },
        { "ms", HISI_JSON_ANY },
        { "offset", HISI_JSON_ANY },
        { "driver", HISI_JSON_ANY },
        {},
};

/* Fault requests, kept as they are written for the host to apply at start. */
static int dispatch_faults(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        static const char *const types[] = { "arc", "delay", "corrupt", "probe" };
        sim_config *c = base;
        int r;

        r = hisi_json_expect_array(v, 0, FAULTS_MAX);
        if (r < 0)
                return r;
        for (size_t i = 0; i < hisi_json_length(v); i++) {
                _cleanup_(fault_check_done) fault_check fc = {};
                hisi_json_value e, t;
                bool known = false;

                hisi_json_element(v, i, &e);
                r = hisi_json_dispatch(&e, fault_fields, 0, &fc);
                if (r < 0)
                        return r;
                for (size_t k = 0; k < ELEMENTSOF(types); k++)
                        known = known || streq(fc.type, types[k]);
                if (!known) {
                        hisi_json_member_path(&e, "type", &t);
                        return hisi_json_error(&t, -EINVAL,
                                               "expected arc, delay, corrupt or probe, got \"%s\"",
                                               fc.type);
                }
                if (!fc.device && !streq(fc.type, "probe"))
                        return hisi_json_missing(&e, "device");
        }
        json_object_put(c->faults);
        c->faults = json_object_get(v->object);
        return 0;
}

/* reset_fix: its default follows the profile, so the parse notes whether it was given. */
typedef struct config_wire {
        sim_config c;
        int reset_fix; /* -1: not given */
} config_wire;

static int dispatch_reset_fix(const hisi_json_value *v, const hisi_json_field *f, void *base) {
        bool b;
        int r = hisi_json_bool(v, &b);

        if (r < 0)
                return r;
        ((config_wire *)base)->reset_fix = b;
        return 0;
}

static const hisi_json_field config_fields[] = {
        { "profile", HISI_JSON_ENUM, offsetof(sim_config, profile),
          .from_string = sim_profile_from_string, .to_string = sim_profile_to_string },
        { "reset_fix", HISI_JSON_CUSTOM, .dispatch = dispatch_reset_fix },
        { "seed", HISI_JSON_UINT64, offsetof(sim_config, seed) },
        { "pfs", HISI_JSON_CUSTOM, .dispatch = dispatch_pfs },
        { "faults", HISI_JSON_CUSTOM, .dispatch = dispatch_faults },
        {},
};

int sim_config_parse(const char *text, size_t len, const char *origin, sim_config *ret,
                     char **ret_error) {
        config_wire w = { .c = { .profile = DEFAULT_PROFILE, .seed = DEFAULT_SEED },
                          .reset_fix = -1 };
        _cleanup_(sim_config_done) sim_config c = {};
        int r;

        if ((!text && len > 0) || !ret)
                return -EINVAL;
        r = hisi_json_dispatch_text(text, len, origin, config_fields, 0, &w, ret_error);
        c = w.c;
        if (r < 0)
                return r;
        c.reset_fix = w.reset_fix >= 0 ? w.reset_fix : sim_profile_reset_fix(c.profile);
        if (!c.pfs) {
                r = default_pf_list(&c.pfs, &c.n_pfs);
                if (r < 0)
                        return r;
        }
        *ret = c;
        c = (sim_config){};
        return 0;
}

int sim_config_load(const char *path, sim_config *ret, char **ret_error) {
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        if (!path || !ret)
                return -EINVAL;
        r = hisi_json_read_file(path, &text, &len, ret_error);
        if (r < 0)
                return r;
        return sim_config_parse(text, len, path, ret, ret_error);
}
