/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests for the simulated host's configuration (libhisi/sim/sim-config.c). */

#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "file-util.h"
#include "hisi/json-util.h"
#include "macro.h"
#include "sim-config.h"
#include "test-main.h"

/* Parse text as "sim.json"; on failure the config must be untouched and the message set. */
static int parse(const char *text, sim_config *ret, char **ret_msg) {
        sim_config c;
        char *msg = NULL;
        int r;

        memset(&c, 0x5a, sizeof(c));
        r = sim_config_parse(text, strlen(text), "sim.json", &c, &msg);
        if (r < 0) {
                sim_config before;
                memset(&before, 0x5a, sizeof(before));
                ck_assert(memcmp(&c, &before, sizeof(c)) == 0);
                ck_assert_ptr_nonnull(msg);
        } else {
                ck_assert_ptr_null(msg);
                if (ret)
                        *ret = c;
                else
                        sim_config_done(&c);
        }
        if (ret_msg)
                *ret_msg = msg;
        else
                free(msg);
        return r;
}

#define assert_config_error(text, message)                                                         \
        do {                                                                                       \
                char *_m = NULL;                                                                   \
                ck_assert_int_eq(parse(text, NULL, &_m), -EINVAL);                                 \
                ck_assert_str_eq(_m, message);                                                     \
                free(_m);                                                                          \
        } while (0)

static void assert_pf(const sim_pf_config *pf, const char *address, hisi_kind kind,
                      unsigned num_vfs) {
        ck_assert_str_eq(pf->address, address);
        ck_assert_int_eq(pf->kind, kind);
        ck_assert_uint_eq(pf->num_vfs, num_vfs);
}

static void assert_pf_defaults(const sim_pf_config *pf) {
        ck_assert_uint_eq(pf->total_vfs, 63);
        ck_assert_uint_eq(pf->qp_per_vf, 64);
        ck_assert_uint_eq(pf->que_iso_cfg, 0);
        ck_assert_uint_eq(pf->qm_version, 0x30);
        ck_assert(pf->driver_bound);
        ck_assert(pf->guest_driver);
}

START_TEST(test_default) {
        _cleanup_(sim_config_done) sim_config c = {};

        ck_assert_int_eq(sim_config_default(&c), 0);
        ck_assert_int_eq(c.profile, SIM_PROFILE_6_16);
        ck_assert_uint_eq(c.seed, 1);
        ck_assert_uint_eq(c.n_pfs, 3);
        assert_pf(&c.pfs[0], "0000:75:00.0", HISI_KIND_ZIP, 4);
        assert_pf(&c.pfs[1], "0000:76:00.0", HISI_KIND_SEC, 4);
        assert_pf(&c.pfs[2], "0000:79:00.0", HISI_KIND_HPRE, 4);
        for (size_t i = 0; i < c.n_pfs; i++)
                assert_pf_defaults(&c.pfs[i]);
        ck_assert_int_eq(sim_config_default(NULL), -EINVAL);
}
END_TEST

START_TEST(test_empty_object) {
        _cleanup_(sim_config_done) sim_config c = {}, d = {};

        /* "{}" is the default config. */
        ck_assert_int_eq(parse("{}", &c, NULL), 0);
        ck_assert_int_eq(sim_config_default(&d), 0);
        ck_assert_int_eq(c.profile, d.profile);
        ck_assert_uint_eq(c.seed, d.seed);
        ck_assert_uint_eq(c.n_pfs, d.n_pfs);
        ck_assert(memcmp(c.pfs, d.pfs, c.n_pfs * sizeof(*c.pfs)) == 0);
}
END_TEST

static const char full[] =
        "{\n"
        "  \"profile\": \"6.19\",\n"
        "  \"seed\": 18446744073709551615,\n"
        "  \"pfs\": [\n"
        "    {\n"
        "      \"address\": \"7D:00.0\",\n"
        "      \"kind\": \"hpre\",\n"
        "      \"vfs\": 2,\n"
        "      \"total_vfs\": 7,\n"
        "      \"qp_per_vf\": 1024,\n"
        "      \"que_iso_cfg\": 4294967295,\n"
        "      \"qm_version\": \"v2\",\n"
        "      \"driver_bound\": false,\n"
        "      \"guest_driver\": false\n"
        "    },\n"
        "    { \"address\": \"0001:7d:01.0\", \"kind\": \"ZIP\", \"qm_version\": 33,\n"
        "      \"vfs\": 0, \"total_vfs\": 1 },\n"
        "    { \"address\": \"0000:7d:01.0\", \"kind\": \"sec\", \"total_vfs\": 2 }\n"
        "  ]\n"
        "}\n";

START_TEST(test_full) {
        _cleanup_(sim_config_done) sim_config c = {};

        ck_assert_int_eq(parse(full, &c, NULL), 0);
        ck_assert_int_eq(c.profile, SIM_PROFILE_6_19);
        ck_assert_uint_eq(c.seed, UINT64_MAX);
        ck_assert_uint_eq(c.n_pfs, 3);

        assert_pf(&c.pfs[0], "0000:7d:00.0", HISI_KIND_HPRE, 2);
        ck_assert_uint_eq(c.pfs[0].total_vfs, 7);
        ck_assert_uint_eq(c.pfs[0].qp_per_vf, 1024);
        ck_assert_uint_eq(c.pfs[0].que_iso_cfg, UINT32_MAX);
        ck_assert_uint_eq(c.pfs[0].qm_version, 0x21);
        ck_assert(!c.pfs[0].driver_bound);
        ck_assert(!c.pfs[0].guest_driver);

        /* Another domain; the same bus there does not matter. */
        assert_pf(&c.pfs[1], "0001:7d:01.0", HISI_KIND_ZIP, 0);
        ck_assert_uint_eq(c.pfs[1].total_vfs, 1);
        ck_assert_uint_eq(c.pfs[1].qm_version, 33);

        /* Right after the 7 VFs of pfs[0] (7d:00.1 to 7d:00.7); the default 4 VFs do not fit
         * in total_vfs 2, so both are enabled. */
        assert_pf(&c.pfs[2], "0000:7d:01.0", HISI_KIND_SEC, 2);
        ck_assert_uint_eq(c.pfs[2].total_vfs, 2);
        ck_assert_uint_eq(c.pfs[2].qp_per_vf, 64);
        ck_assert_uint_eq(c.pfs[2].qm_version, 0x30);
        ck_assert(c.pfs[2].driver_bound);
        ck_assert(c.pfs[2].guest_driver);
}
END_TEST

START_TEST(test_pfs_replace_defaults) {
        _cleanup_(sim_config_done) sim_config c = {};

        ck_assert_int_eq(
                parse("{\"pfs\": [{\"address\": \"76:00.0\", \"kind\": \"sec\"}]}", &c, NULL), 0);
        ck_assert_int_eq(c.profile, SIM_PROFILE_6_16);
        ck_assert_uint_eq(c.seed, 1);
        ck_assert_uint_eq(c.n_pfs, 1);
        assert_pf(&c.pfs[0], "0000:76:00.0", HISI_KIND_SEC, 4);
        assert_pf_defaults(&c.pfs[0]);

        sim_config_done(&c);
        ck_assert_int_eq(parse("{\"profile\": \"6.1\", \"seed\": 0}", &c, NULL), 0);
        ck_assert_int_eq(c.profile, SIM_PROFILE_6_1);
        ck_assert_uint_eq(c.seed, 0);
        ck_assert_uint_eq(c.n_pfs, 3);
}
END_TEST

START_TEST(test_qm_version) {
        static const struct {
                const char *value;
                uint32_t version;
        } cases[] = {
                { "\"v1\"", 0x20 }, { "\"v2\"", 0x21 }, { "\"v3\"", 0x30 }, { "\"V3\"", 0x30 },
                { "48", 0x30 },     { "255", 0xff },    { "0", 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(sim_config_done) sim_config c = {};
                _cleanup_free_ char *text = NULL;

                ck_assert_int_eq(asprintf_safe(&text,
                                               "{\"pfs\": [{\"address\": \"75:00.0\", \"kind\": "
                                               "\"zip\", \"qm_version\": %s}]}",
                                               cases[i].value),
                                 0);
                ck_assert_int_eq(parse(text, &c, NULL), 0);
                ck_assert_uint_eq(c.pfs[0].qm_version, cases[i].version);
        }
}
END_TEST

START_TEST(test_syntax_error) {
        assert_config_error("{\n  \"seed\": 1\n  \"profile\": \"6.1\"\n}",
                            "sim.json:3:3: syntax error: object value separator ',' expected");
        assert_config_error("{\n  \"seed\": 1,\n}", "sim.json:3:1: syntax error: unexpected "
                                                    "character");
        assert_config_error("", "sim.json:1:1: syntax error: unexpected end of data");
        assert_config_error("{\"seed\": 1, \"seed\": 2}", "sim.json:1: seed: duplicate key");
}
END_TEST

START_TEST(test_not_an_object) {
        assert_config_error("[]", "sim.json:1: expected an object, got an empty array");
        assert_config_error("\n\"x\"", "sim.json:2: expected an object, got \"x\"");
        assert_config_error("{\"pfs\": [7]}", "sim.json:1: pfs[0]: expected an object, got 7");
}
END_TEST

START_TEST(test_unknown_key) {
        assert_config_error("{\n  \"profil\": \"6.1\"\n}", "sim.json:2: profil: unknown key");
        assert_config_error("{\n"
                            "  \"pfs\": [\n"
                            "    { \"address\": \"75:00.0\", \"kind\": \"zip\",\n"
                            "      \"qp_per_fv\": 64 }\n"
                            "  ]\n"
                            "}",
                            "sim.json:4: pfs[0].qp_per_fv: unknown key");
}
END_TEST

START_TEST(test_wrong_type) {
        assert_config_error("{\n"
                            "  \"pfs\": [\n"
                            "    { \"address\": \"75:00.0\", \"kind\": \"zip\" },\n"
                            "    { \"address\": \"76:00.0\", \"kind\": \"sec\",\n"
                            "      \"vfs\": \"four\" }\n"
                            "  ]\n"
                            "}",
                            "sim.json:5: pfs[1].vfs: expected an integer from 0 to 255, got "
                            "\"four\"");
        assert_config_error("{\"seed\": -1}",
                            "sim.json:1: seed: expected an integer from 0 to 18446744073709551615, "
                            "got -1");
        assert_config_error("{\"seed\": 1.5}",
                            "sim.json:1: seed: expected an integer from 0 to 18446744073709551615, "
                            "got 1.5");
        assert_config_error("{\"profile\": 6.16}", "sim.json:1: profile: expected one of \"6.1\", "
                                                   "\"6.2\", \"6.16\", \"6.19\", got 6.16");
        assert_config_error("{\"pfs\": {}}", "sim.json:1: pfs: expected an array of 1 to 64 "
                                             "elements, got an empty object");
        assert_config_error("{\"pfs\": [{\"address\": 75, \"kind\": \"zip\"}]}",
                            "sim.json:1: pfs[0].address: expected a string, got 75");
        assert_config_error("{\"pfs\": [{\"address\": \"75:00.0\", \"kind\": \"zip\",\n"
                            "  \"driver_bound\": 1}]}",
                            "sim.json:2: pfs[0].driver_bound: expected true or false, got 1");
        assert_config_error("{\"pfs\": [{\"address\": \"75:00.0\", \"kind\": \"zip\",\n"
                            "  \"qm_version\": true}]}",
                            "sim.json:2: pfs[0].qm_version: expected an integer from 0 to 255, or "
                            "\"v1\", \"v2\" or \"v3\", got true");
}
END_TEST

START_TEST(test_out_of_range) {
        assert_config_error("{\"pfs\": [{\"address\": \"75:00.0\", \"kind\": \"zip\",\n"
                            "  \"qp_per_vf\": 1025}]}",
                            "sim.json:2: pfs[0].qp_per_vf: expected an integer from 1 to 1024, got "
                            "1025");
        assert_config_error("{\"pfs\": [{\"address\": \"75:00.0\", \"kind\": \"zip\",\n"
                            "  \"total_vfs\": 0}]}",
                            "sim.json:2: pfs[0].total_vfs: expected an integer from 1 to 255, got "
                            "0");
        assert_config_error("{\"pfs\": [{\"address\": \"75:00.0\", \"kind\": \"zip\",\n"
                            "  \"total_vfs\": 8, \"vfs\": 9}]}",
                            "sim.json:2: pfs[0].vfs: expected an integer from 0 to total_vfs (8), "
                            "got 9");
        assert_config_error("{\"pfs\": [{\"address\": \"75:00.0\", \"kind\": \"zip\",\n"
                            "  \"que_iso_cfg\": 4294967296}]}",
                            "sim.json:2: pfs[0].que_iso_cfg: expected an integer from 0 to "
                            "4294967295, got 4294967296");
        assert_config_error("{\"pfs\": [{\"address\": \"75:00.0\", \"kind\": \"zip\",\n"
                            "  \"qm_version\": 256}]}",
                            "sim.json:2: pfs[0].qm_version: expected an integer from 0 to 255, got "
                            "256");
        assert_config_error("{\"seed\": 18446744073709551616}",
                            "sim.json:1: seed: expected an integer from 0 to 18446744073709551615, "
                            "got 18446744073709551616");
}
END_TEST

START_TEST(test_bad_enum) {
        assert_config_error("{\n  \"profile\": \"6.3\"\n}",
                            "sim.json:2: profile: expected one of \"6.1\", \"6.2\", \"6.16\", "
                            "\"6.19\", got \"6.3\"");
        assert_config_error("{\"pfs\": [{\"address\": \"75:00.0\", \"kind\": \"rde\"}]}",
                            "sim.json:1: pfs[0].kind: expected one of \"zip\", \"sec\", \"hpre\", "
                            "got \"rde\"");
        assert_config_error("{\"pfs\": [{\"address\": \"75:00.0\", \"kind\": \"zip\",\n"
                            "  \"qm_version\": \"v4\"}]}",
                            "sim.json:2: pfs[0].qm_version: expected one of \"v1\", \"v2\", "
                            "\"v3\", got \"v4\"");
}
END_TEST

START_TEST(test_address) {
        assert_config_error("{\"pfs\": [{\"address\": \"75:00\", \"kind\": \"zip\"}]}",
                            "sim.json:1: pfs[0].address: expected a PCI address such as "
                            "\"0000:75:00.0\", got \"75:00\"");
        assert_config_error("{\"pfs\": [{\"address\": \"75:00.1\", \"kind\": \"zip\"}]}",
                            "sim.json:1: pfs[0].address: expected the address of function 0 of a "
                            "device, got \"75:00.1\"");
        assert_config_error("{\"pfs\": [\n  {\"kind\": \"zip\"}]}",
                            "sim.json:2: pfs[0]: missing required key \"address\"");
        assert_config_error("{\"pfs\": [\n  {\"address\": \"75:00.0\"}]}",
                            "sim.json:2: pfs[0]: missing required key \"kind\"");
}
END_TEST

START_TEST(test_limits) {
        char *text, *msg = NULL;
        size_t n = HISI_JSON_SIZE_MAX + 1;
        sim_config c = {};

        text = malloc(n);
        ck_assert_ptr_nonnull(text);
        memset(text, ' ', n);
        memcpy(text, "{}", 2);
        ck_assert_int_eq(sim_config_parse(text, n, "sim.json", &c, &msg), -EFBIG);
        ck_assert_str_eq(msg, "sim.json: too large: 1048577 bytes, the limit is 1048576");
        ck_assert_ptr_null(c.pfs);
        free(msg);
        free(text);

        assert_config_error(
                "{\"seed\": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]"
                "]]]]}",
                "sim.json:1:41: nesting deeper than 32 levels");
}
END_TEST

START_TEST(test_empty_pfs) {
        assert_config_error("{\n  \"pfs\": []\n}",
                            "sim.json:2: pfs: expected an array of 1 to 64 elements, got an empty "
                            "array");
}
END_TEST

START_TEST(test_duplicate_pf) {
        assert_config_error("{\n"
                            "  \"pfs\": [\n"
                            "    { \"address\": \"0000:75:00.0\", \"kind\": \"zip\" },\n"
                            "    { \"address\": \"76:00.0\", \"kind\": \"sec\" },\n"
                            "    { \"kind\": \"zip\",\n"
                            "      \"address\": \"75:00.0\" }\n"
                            "  ]\n"
                            "}",
                            "sim.json:6: pfs[2].address: 0000:75:00.0 is already the address of "
                            "pfs[0]");
}
END_TEST

START_TEST(test_bad_fault) {
        assert_config_error("{\n"
                            "  \"faults\": [\n"
                            "    { \"type\": \"meltdown\", \"device\": \"0000:75:00.1\" }\n"
                            "  ]\n"
                            "}",
                            "sim.json:3: faults[0].type: expected arc, delay, corrupt or probe, "
                            "got \"meltdown\"");
        assert_config_error("{ \"faults\": [ { \"type\": \"arc\" } ] }",
                            "sim.json:1: faults[0]: missing required key \"device\"");
}
END_TEST

START_TEST(test_bridge_address) {
        assert_config_error("{\n"
                            "  \"pfs\": [\n"
                            "    { \"address\": \"0000:74:00.0\", \"kind\": \"zip\" }\n"
                            "  ]\n"
                            "}",
                            "sim.json:3: pfs[0].address: 0000:74:00.0 is the simulated host's "
                            "PCIe root port");
}
END_TEST

START_TEST(test_vf_collision) {
        /* A PF where an earlier PF's VFs are: the default total_vfs 63 reserves 75:00.1-75:07.7,
         * even with 1 VF enabled. */
        assert_config_error("{\n"
                            "  \"pfs\": [\n"
                            "    { \"address\": \"75:00.0\", \"kind\": \"zip\", \"vfs\": 1 },\n"
                            "    { \"address\": \"75:01.0\", \"kind\": \"sec\" }\n"
                            "  ]\n"
                            "}",
                            "sim.json:4: pfs[1].address: 0000:75:01.0 is taken by VF 7 of pfs[0] "
                            "(0000:75:00.0 has total_vfs 63)");
        /* A later PF whose VFs would cover an earlier PF: named at its total_vfs, or at the PF
         * when total_vfs is the default. */
        assert_config_error(
                "{\n"
                "  \"pfs\": [\n"
                "    { \"address\": \"75:02.0\", \"kind\": \"zip\", \"total_vfs\": 1 },\n"
                "    { \"address\": \"75:00.0\", \"kind\": \"sec\",\n"
                "      \"total_vfs\": 16 }\n"
                "  ]\n"
                "}",
                "sim.json:5: pfs[1].total_vfs: VF 15 of 0000:75:00.0 would be "
                "0000:75:02.0, the address of pfs[0]");
        assert_config_error(
                "{\n"
                "  \"pfs\": [\n"
                "    { \"address\": \"75:02.0\", \"kind\": \"zip\", \"total_vfs\": 1 },\n"
                "    {\n"
                "      \"address\": \"75:00.0\", \"kind\": \"sec\" }\n"
                "  ]\n"
                "}",
                "sim.json:4: pfs[1].total_vfs: VF 15 of 0000:75:00.0 would be "
                "0000:75:02.0, the address of pfs[0]");
        /* Side by side is fine. */
        ck_assert_int_eq(parse("{\"pfs\": [{\"address\": \"75:00.0\", \"kind\": \"zip\", "
                               "\"total_vfs\": 7}, {\"address\": \"75:01.0\", \"kind\": \"sec\", "
                               "\"total_vfs\": 7}]}",
                               NULL, NULL),
                         0);
}
END_TEST

START_TEST(test_bus_overflow) {
        assert_config_error("{\"pfs\": [\n"
                            "  { \"address\": \"75:1f.0\", \"kind\": \"zip\", \"total_vfs\": 8 }\n"
                            "]}",
                            "sim.json:2: pfs[0].total_vfs: 8 VFs after 0000:75:1f.0 do not fit on "
                            "bus 75 (room for 7)");
        ck_assert_int_eq(parse("{\"pfs\": [{\"address\": \"75:1f.0\", \"kind\": \"zip\", "
                               "\"total_vfs\": 7}]}",
                               NULL, NULL),
                         0);
}
END_TEST

START_TEST(test_vf_address) {
        sim_pf_config pf = { .address = "0000:75:00.0", .total_vfs = 63 };
        char a[HISI_PCI_ADDRESS_MAX] = "untouched";

        ck_assert_int_eq(sim_config_vf_address(&pf, 0, a), 0);
        ck_assert_str_eq(a, "0000:75:00.1");
        ck_assert_int_eq(sim_config_vf_address(&pf, 6, a), 0);
        ck_assert_str_eq(a, "0000:75:00.7");
        /* The carry goes into the device number. */
        ck_assert_int_eq(sim_config_vf_address(&pf, 7, a), 0);
        ck_assert_str_eq(a, "0000:75:01.0");
        ck_assert_int_eq(sim_config_vf_address(&pf, 62, a), 0);
        ck_assert_str_eq(a, "0000:75:07.7");
        ck_assert_int_eq(sim_config_vf_address(&pf, 254, a), 0);
        ck_assert_str_eq(a, "0000:75:1f.7");

        /* Past the end of the bus. */
        strcpy(a, "untouched");
        ck_assert_int_eq(sim_config_vf_address(&pf, 255, a), -ERANGE);
        ck_assert_int_eq(sim_config_vf_address(&pf, UINT_MAX, a), -ERANGE);
        strcpy(pf.address, "abcd:7d:1f.0");
        ck_assert_int_eq(sim_config_vf_address(&pf, 6, a), 0);
        ck_assert_str_eq(a, "abcd:7d:1f.7");
        ck_assert_int_eq(sim_config_vf_address(&pf, 7, a), -ERANGE);
        ck_assert_str_eq(a, "abcd:7d:1f.7");

        strcpy(pf.address, "nonsense");
        ck_assert_int_eq(sim_config_vf_address(&pf, 0, a), -EINVAL);
        ck_assert_int_eq(sim_config_vf_address(NULL, 0, a), -EINVAL);
}
END_TEST

START_TEST(test_copy) {
        _cleanup_(sim_config_done) sim_config c = {}, d = {};

        ck_assert_int_eq(sim_config_default(&c), 0);
        ck_assert_int_eq(sim_config_copy(&c, &d), 0);
        ck_assert_ptr_ne(c.pfs, d.pfs);
        ck_assert_uint_eq(d.n_pfs, 3);
        ck_assert(memcmp(c.pfs, d.pfs, c.n_pfs * sizeof(*c.pfs)) == 0);
        ck_assert_int_eq(sim_config_copy(NULL, &d), -EINVAL);
        sim_config_done(&c);
        ck_assert_ptr_null(c.pfs);
        ck_assert_uint_eq(c.n_pfs, 0);
        sim_config_done(&c); /* twice is fine */
        sim_config_done(NULL);
}
END_TEST

/* A temporary file with text; returns its path. */
static char *temp_file(const char *text, size_t len) {
        char *path = strdup("/tmp/test-sim-config-XXXXXX");
        int fd;

        ck_assert_ptr_nonnull(path);
        fd = mkstemp(path);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(loop_write(fd, text, len), 0);
        close(fd);
        return path;
}

START_TEST(test_load) {
        _cleanup_(sim_config_done) sim_config c = {};
        _cleanup_free_ char *path = NULL, *msg = NULL, *expected = NULL, *big = NULL;

        path = temp_file(full, strlen(full));
        ck_assert_int_eq(sim_config_load(path, &c, &msg), 0);
        ck_assert_ptr_null(msg);
        ck_assert_uint_eq(c.n_pfs, 3);
        unlink(path);
        path = mfree(path);

        /* The path is the origin of messages. */
        path = temp_file("{\n\"seed\": true}", 15);
        ck_assert_int_eq(sim_config_load(path, &c, &msg), -EINVAL);
        ck_assert_int_eq(asprintf_safe(&expected,
                                       "%s:2: seed: expected an integer from 0 to "
                                       "18446744073709551615, got true",
                                       path),
                         0);
        ck_assert_str_eq(msg, expected);
        ck_assert_uint_eq(c.n_pfs, 3); /* untouched */
        unlink(path);
        path = mfree(path);
        msg = mfree(msg);
        expected = mfree(expected);

        /* Too large, seen while reading. */
        big = malloc(HISI_JSON_SIZE_MAX + 10);
        ck_assert_ptr_nonnull(big);
        memset(big, ' ', HISI_JSON_SIZE_MAX + 10);
        path = temp_file(big, HISI_JSON_SIZE_MAX + 10);
        ck_assert_int_eq(sim_config_load(path, &c, &msg), -EFBIG);
        ck_assert_int_eq(asprintf_safe(&expected, "%s: too large: more than 1048576 bytes", path),
                         0);
        ck_assert_str_eq(msg, expected);
        unlink(path);
        msg = mfree(msg);

        ck_assert_int_eq(sim_config_load("/nonexistent/sim.json", &c, &msg), -ENOENT);
        ck_assert_str_eq(msg, "/nonexistent/sim.json: No such file or directory");
        msg = mfree(msg);
        ck_assert_int_eq(sim_config_load("/", &c, &msg), -EISDIR);
        ck_assert_str_eq(msg, "/: Is a directory");
        ck_assert_int_eq(sim_config_load(NULL, &c, NULL), -EINVAL);
}
END_TEST

START_TEST(test_args) {
        sim_config c = {};

        ck_assert_int_eq(sim_config_parse(NULL, 1, NULL, &c, NULL), -EINVAL);
        ck_assert_int_eq(sim_config_parse("{}", 2, NULL, NULL, NULL), -EINVAL);
        /* No origin: "input"; no ret_error: only the code. */
        ck_assert_int_eq(sim_config_parse("{\"x\": 1}", 8, NULL, &c, NULL), -EINVAL);
        ck_assert_ptr_null(c.pfs);
}
END_TEST

static Suite *sim_config_suite(void) {
        Suite *s = suite_create("sim-config");

        tcase_add_test(test_tcase(s, "default"), test_default);
        tcase_add_test(test_tcase(s, "empty-object"), test_empty_object);
        tcase_add_test(test_tcase(s, "full"), test_full);
        tcase_add_test(test_tcase(s, "pfs-replace-defaults"), test_pfs_replace_defaults);
        tcase_add_test(test_tcase(s, "qm-version"), test_qm_version);
        tcase_add_test(test_tcase(s, "syntax-error"), test_syntax_error);
        tcase_add_test(test_tcase(s, "not-an-object"), test_not_an_object);
        tcase_add_test(test_tcase(s, "unknown-key"), test_unknown_key);
        tcase_add_test(test_tcase(s, "wrong-type"), test_wrong_type);
        tcase_add_test(test_tcase(s, "out-of-range"), test_out_of_range);
        tcase_add_test(test_tcase(s, "bad-enum"), test_bad_enum);
        tcase_add_test(test_tcase(s, "address"), test_address);
        tcase_add_test(test_tcase(s, "limits"), test_limits);
        tcase_add_test(test_tcase(s, "empty-pfs"), test_empty_pfs);
        tcase_add_test(test_tcase(s, "duplicate-pf"), test_duplicate_pf);
        tcase_add_test(test_tcase(s, "bridge-address"), test_bridge_address);
        tcase_add_test(test_tcase(s, "bad-fault"), test_bad_fault);
        tcase_add_test(test_tcase(s, "vf-collision"), test_vf_collision);
        tcase_add_test(test_tcase(s, "bus-overflow"), test_bus_overflow);
        tcase_add_test(test_tcase(s, "vf-address"), test_vf_address);
        tcase_add_test(test_tcase(s, "copy"), test_copy);
        tcase_add_test(test_tcase(s, "load"), test_load);
        tcase_add_test(test_tcase(s, "args"), test_args);

        return s;
}

TEST_MAIN(sim_config_suite)
