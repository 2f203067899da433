/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The simulated host's configuration: defaults, the JSON decoder and its checks (see
 * sim-config.h). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "file-util.h"
#include "hisi/json-util.h"
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

static int profile_from_string(const char *s) {
        return sim_profile_from_string(s);
}

static const char *profile_to_string(int p) {
        return p >= 0 && p < _SIM_PROFILE_MAX ? sim_profile_to_string(p) : NULL;
}

static int kind_from_string(const char *s) {
        return hisi_kind_from_string(s);
}

static const char *kind_to_string(int k) {
        return k >= 0 && k < _HISI_KIND_MAX ? hisi_kind_to_string(k) : NULL;
}

static int qm_version_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(qm_versions); i++)
                if (strcasecmp(s, qm_versions[i].name) == 0)
                        return (int)i;
        return -EINVAL;
}

static const char *qm_version_to_string(int i) {
        return i >= 0 && (size_t)i < ELEMENTSOF(qm_versions) ? qm_versions[i].name : NULL;
}

static int decode_address(const hisi_json_value *pf, char ret[static HISI_PCI_ADDRESS_MAX]) {
        char canon[HISI_PCI_ADDRESS_MAX];
        hisi_json_value v;
        const char *s;
        int r;

        r = hisi_json_member(pf, "address", &v);
        if (r == 0)
                return hisi_json_missing(pf, "address");
        if (r < 0)
                return r;
        r = hisi_json_string(&v, ADDRESS_STRING_MAX, &s);
        if (r < 0)
                return r;
        if (hisi_pci_address_normalize(s, canon) < 0)
                return hisi_json_reject(&v, "expected a PCI address such as \"0000:75:00.0\"");
        if (canon[STRLEN("0000:00:00.")] != '0')
                return hisi_json_reject(&v, "expected the address of function 0 of a device");
        memcpy(ret, canon, HISI_PCI_ADDRESS_MAX);
        return 0;
}

/* An integer from 0 to QM_VERSION_MAX, or the name of a kernel QM version. */
static int decode_qm_version(const hisi_json_value *pf, uint32_t *ret) {
        hisi_json_value v;
        uint64_t u;
        int r, i;

        r = hisi_json_member(pf, "qm_version", &v);
        if (r <= 0)
                return r;
        if (hisi_json_type(&v) == json_type_string) {
                r = hisi_json_enum(&v, qm_version_from_string, qm_version_to_string, &i);
                if (r < 0)
                        return r;
                *ret = qm_versions[i].version;
                return 0;
        }
        if (hisi_json_type(&v) != json_type_int)
                return hisi_json_reject(&v,
                                        "expected an integer from 0 to %u, or \"v1\", \"v2\" "
                                        "or \"v3\"",
                                        QM_VERSION_MAX);
        r = hisi_json_uint(&v, 0, QM_VERSION_MAX, &u);
        if (r < 0)
                return r;
        *ret = (uint32_t)u;
        return 0;
}

static int decode_pf(const hisi_json_value *v, sim_pf_config *ret) {
        static const char *const keys[] = {
                "address",     "kind",       "vfs",          "total_vfs",    "qp_per_vf",
                "que_iso_cfg", "qm_version", "driver_bound", "guest_driver", NULL,
        };
        sim_pf_config pf;
        hisi_json_value m;
        uint64_t u;
        int r, kind;

        r = hisi_json_check_keys(v, keys);
        if (r < 0)
                return r;
        pf_default(&pf, HISI_KIND_ZIP, "");
        r = decode_address(v, pf.address);
        if (r < 0)
                return r;
        r = hisi_json_get_enum(v, "kind", kind_from_string, kind_to_string, &kind);
        if (r == 0)
                return hisi_json_missing(v, "kind");
        if (r < 0)
                return r;
        pf.kind = kind;
        r = hisi_json_get_u32(v, "total_vfs", 1, TOTAL_VFS_MAX, &pf.total_vfs);
        if (r < 0)
                return r;
        r = hisi_json_member(v, "vfs", &m);
        if (r < 0)
                return r;
        if (r > 0) {
                r = hisi_json_uint(&m, 0, TOTAL_VFS_MAX, &u);
                if (r < 0)
                        return r;
                if (u > pf.total_vfs)
                        return hisi_json_reject(&m, "expected an integer from 0 to total_vfs (%u)",
                                                pf.total_vfs);
                pf.num_vfs = (unsigned)u;
        } else if (pf.num_vfs > pf.total_vfs) {
                /* The default does not fit a small total_vfs: enable them all. */
                pf.num_vfs = pf.total_vfs;
        }
        r = hisi_json_get_u32(v, "qp_per_vf", 1, QP_PER_VF_MAX, &pf.qp_per_vf);
        if (r < 0)
                return r;
        r = hisi_json_get_u32(v, "que_iso_cfg", 0, UINT32_MAX, &pf.que_iso_cfg);
        if (r < 0)
                return r;
        r = decode_qm_version(v, &pf.qm_version);
        if (r < 0)
                return r;
        r = hisi_json_get_bool(v, "driver_bound", &pf.driver_bound);
        if (r < 0)
                return r;
        r = hisi_json_get_bool(v, "guest_driver", &pf.guest_driver);
        if (r < 0)
                return r;
        *ret = pf;
        return 0;
}

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

#define SIM_CONFIG_FAULTS_MAX 64

static int decode_faults(const hisi_json_value *root, json_object **ret) {
        static const char *const keys[] = { "type", "device", "from",   "to",     "errno",
                                            "once", "ms",     "offset", "driver", NULL };
        static const char *const types[] = { "arc", "delay", "corrupt", "probe", NULL };
        hisi_json_value array;
        int r;

        r = hisi_json_get_array(root, "faults", 0, SIM_CONFIG_FAULTS_MAX, &array);
        if (r <= 0)
                return r;
        for (size_t i = 0; i < hisi_json_length(&array); i++) {
                hisi_json_value f;
                const char *type = NULL, *device = NULL;
                bool known = false;

                hisi_json_element(&array, i, &f);
                r = hisi_json_expect_object(&f);
                if (r >= 0)
                        r = hisi_json_check_keys(&f, keys);
                if (r >= 0)
                        r = hisi_json_get_string(&f, "type", 16, &type);
                if (r == 0)
                        r = hisi_json_missing(&f, "type");
                if (r >= 0)
                        r = hisi_json_get_string(&f, "device", HISI_PCI_ADDRESS_MAX, &device);
                if (r < 0)
                        return r;
                for (size_t k = 0; types[k]; k++)
                        known = known || streq(type, types[k]);
                if (!known) {
                        hisi_json_value t;
                        hisi_json_member_path(&f, "type", &t);
                        return hisi_json_error(&t, -EINVAL,
                                               "expected arc, delay, corrupt or probe, got \"%s\"",
                                               type);
                }
                if (!device && !streq(type, "probe"))
                        return hisi_json_missing(&f, "device");
        }
        *ret = json_object_get(array.object);
        return 0;
}

static int decode_config(const hisi_json_value *root, sim_config *ret) {
        static const char *const keys[] = { "profile", "reset_fix", "seed", "pfs", "faults", NULL };
        _cleanup_(sim_config_done)
                sim_config c = { .profile = DEFAULT_PROFILE, .seed = DEFAULT_SEED };
        hisi_json_value array;
        int r, profile;

        r = hisi_json_check_keys(root, keys);
        if (r < 0)
                return r;
        r = hisi_json_get_enum(root, "profile", profile_from_string, profile_to_string, &profile);
        if (r < 0)
                return r;
        if (r > 0)
                c.profile = profile;
        c.reset_fix = sim_profile_reset_fix(c.profile);
        r = hisi_json_get_bool(root, "reset_fix", &c.reset_fix);
        if (r < 0)
                return r;
        r = hisi_json_get_uint(root, "seed", 0, UINT64_MAX, &c.seed);
        if (r < 0)
                return r;
        r = hisi_json_get_array(root, "pfs", 1, SIM_CONFIG_PFS_MAX, &array);
        if (r < 0)
                return r;
        if (r == 0) {
                r = default_pf_list(&c.pfs, &c.n_pfs);
                if (r < 0)
                        return r;
        } else {
                size_t n = hisi_json_length(&array);

                c.pfs = calloc(n, sizeof(*c.pfs));
                if (!c.pfs)
                        return -ENOMEM;
                for (; c.n_pfs < n; c.n_pfs++) {
                        hisi_json_value pv;

                        hisi_json_element(&array, c.n_pfs, &pv);
                        r = decode_pf(&pv, &c.pfs[c.n_pfs]);
                        if (r < 0)
                                return r;
                }
                r = check_layout(&array, c.pfs, c.n_pfs);
                if (r < 0)
                        return r;
        }
        r = decode_faults(root, &c.faults);
        if (r < 0)
                return r;
        *ret = c;
        c = (sim_config){};
        return 0;
}

static int decode_config_cb(const hisi_json_value *root, void *userdata) {
        return decode_config(root, userdata);
}

int sim_config_parse(const char *text, size_t len, const char *origin, sim_config *ret,
                     char **ret_error) {
        sim_config c = {};
        int r;

        if ((!text && len > 0) || !ret)
                return -EINVAL;
        r = hisi_json_decode_text(text, len, origin, decode_config_cb, &c, ret_error);
        if (r < 0)
                return r;
        *ret = c;
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
