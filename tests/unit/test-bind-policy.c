/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests for the binding policy's decisions (daemon/bind-policy.c): a table of configs and
 * VF facts against the verdict and its reason, the explicit-bind checks with and without force,
 * and the sentences people read.
 */

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "bind-policy.h"
#include "macro.h"
#include "test-main.h"

#define VF   "0000:75:00.1"
#define PF   "0000:75:00.0"
#define VFIO "hisi_acc_vfio_pci"

static Config config(const char *json) {
        _cleanup_free_ char *error = NULL;
        Config c = {};

        ck_assert_msg(config_parse(json, strlen(json), "t.json", &c, &error) == 0, "%s", error);
        return c;
}

static const struct {
        const char *config;
        const char *driver;
        bool libvirt;
        BindDecision decision;
        BindReason reason;
} cases[] = {
        /* What the policy names. */
        { "{}", "hisi_zip", false, BIND_DECISION_LEAVE, BIND_REASON_POLICY_NONE },
        { "{\"binding\": {\"policy\": \"devices\", \"devices\": [\"75:00.1\"]}}", "hisi_zip", false,
          BIND_DECISION_BIND, BIND_REASON_LISTED },
        { "{\"binding\": {\"policy\": \"devices\", \"devices\": [\"75:00.2\"]}}", "hisi_zip", false,
          BIND_DECISION_LEAVE, BIND_REASON_NOT_LISTED },
        { "{\"binding\": {\"policy\": \"devices\"}}", "hisi_zip", false, BIND_DECISION_LEAVE,
          BIND_REASON_NOT_LISTED },
        { "{\"binding\": {\"policy\": \"pfs\", \"pfs\": [\"75:00.0\"]}}", NULL, false,
          BIND_DECISION_BIND, BIND_REASON_PF_LISTED },
        { "{\"binding\": {\"policy\": \"pfs\", \"pfs\": [\"76:00.0\"]}}", NULL, false,
          BIND_DECISION_LEAVE, BIND_REASON_PF_NOT_LISTED },
        { "{\"binding\": {\"policy\": \"all\"}}", "hisi_zip", false, BIND_DECISION_BIND,
          BIND_REASON_ALL },
        /* What it never takes. */
        { "{\"binding\": {\"policy\": \"all\", \"exclude\": [\"75:00.1\"]}}", "hisi_zip", false,
          BIND_DECISION_LEAVE, BIND_REASON_EXCLUDED },
        { "{\"binding\": {\"policy\": \"all\", \"exclude\": [\"75:00.1\"]}}", VFIO, false,
          BIND_DECISION_LEAVE, BIND_REASON_EXCLUDED },
        { "{\"binding\": {\"policy\": \"all\"}}", "hisi_zip", true, BIND_DECISION_LEAVE,
          BIND_REASON_LIBVIRT_MANAGED },
        { "{\"binding\": {\"policy\": \"all\", \"bind_libvirt_managed\": true}}", "hisi_zip", true,
          BIND_DECISION_BIND, BIND_REASON_ALL },
        { "{\"binding\": {\"policy\": \"all\"}}", "vfio-pci", false, BIND_DECISION_LEAVE,
          BIND_REASON_OTHER_DRIVER },
        { "{\"binding\": {\"policy\": \"all\"}}", "hisi_sec2", false, BIND_DECISION_LEAVE,
          BIND_REASON_OTHER_DRIVER },
        { "{\"binding\": {\"policy\": \"all\", \"take_from_other_drivers\": true}}", "vfio-pci",
          false, BIND_DECISION_BIND, BIND_REASON_ALL },
        /* Already where the policy wants it: nothing is taken from anyone. */
        { "{\"binding\": {\"policy\": \"all\"}}", VFIO, true, BIND_DECISION_BIND, BIND_REASON_ALL },
        { "{\"binding\": {\"policy\": \"devices\", \"devices\": [\"75:00.1\"]}}", NULL, false,
          BIND_DECISION_BIND, BIND_REASON_LISTED },
};

START_TEST(test_decide) {
        _cleanup_(config_done) Config c = config(cases[_i].config);
        BindFacts f = {
                .address = VF,
                .pf_address = PF,
                .kind = HISI_KIND_ZIP,
                .driver = cases[_i].driver,
                .libvirt_managed = cases[_i].libvirt,
                .libvirt_domain = cases[_i].libvirt ? "vm1" : NULL,
        };
        BindReason reason = _BIND_REASON_INVALID;

        ck_assert_int_eq(bind_policy_decide(&c, &f, &reason), cases[_i].decision);
        ck_assert_msg(reason == cases[_i].reason, "case %d: reason %s, want %s", _i,
                      bind_reason_to_string(reason), bind_reason_to_string(cases[_i].reason));
}
END_TEST

START_TEST(test_explicit) {
        _cleanup_(config_done) Config none = config("{}"),
                                      ex = config("{\"binding\": {\"exclude\": [\"75:00.1\"]}}");
        BindFacts f = {
                .address = VF, .pf_address = PF, .kind = HISI_KIND_ZIP, .driver = "hisi_zip"
        };
        BindReason reason;

        /* The policy need not name it. */
        ck_assert(bind_policy_allow_explicit(&none, &f, false, &reason));
        ck_assert_int_eq(reason, BIND_REASON_ALLOWED);
        ck_assert(!bind_policy_allow_explicit(&ex, &f, false, &reason));
        ck_assert_int_eq(reason, BIND_REASON_EXCLUDED);
        ck_assert(bind_policy_allow_explicit(&ex, &f, true, &reason));
        f.libvirt_managed = true;
        ck_assert(!bind_policy_allow_explicit(&none, &f, false, &reason));
        ck_assert_int_eq(reason, BIND_REASON_LIBVIRT_MANAGED);
        ck_assert(bind_policy_allow_explicit(&none, &f, true, &reason));
        f.libvirt_managed = false;
        f.driver = "vfio-pci";
        ck_assert(!bind_policy_allow_explicit(&none, &f, false, &reason));
        ck_assert_int_eq(reason, BIND_REASON_OTHER_DRIVER);
        ck_assert(bind_policy_allow_explicit(&none, &f, true, &reason));
        /* Unbound: nobody holds it. */
        f.driver = NULL;
        ck_assert(bind_policy_allow_explicit(&none, &f, false, &reason));
        /* Already bound: idempotent, whatever the lists say. */
        f.driver = VFIO;
        ck_assert(bind_policy_allow_explicit(&ex, &f, false, &reason));
        ck_assert(!bind_policy_allow_explicit(NULL, &f, false, &reason));
}
END_TEST

START_TEST(test_describe) {
        BindFacts f = {
                .address = VF,
                .pf_address = PF,
                .kind = HISI_KIND_ZIP,
                .driver = "vfio-pci",
                .libvirt_managed = true,
                .libvirt_domain = "vm1",
        };
        static const struct {
                BindReason reason;
                const char *text;
        } t[] = {
                { BIND_REASON_POLICY_NONE, "binding.policy is \"none\"" },
                { BIND_REASON_NOT_LISTED, "not listed in binding.devices" },
                { BIND_REASON_PF_NOT_LISTED, "its PF 0000:75:00.0 is not listed in binding.pfs" },
                { BIND_REASON_EXCLUDED, "listed in binding.exclude" },
                { BIND_REASON_LIBVIRT_MANAGED,
                  "libvirt manages it: a managed='yes' hostdev of "
                  "domain 'vm1' (binding.bind_libvirt_managed is off)" },
                { BIND_REASON_OTHER_DRIVER, "held by driver vfio-pci, not its host driver "
                                            "(binding.take_from_other_drivers is off)" },
                { BIND_REASON_LISTED, "listed in binding.devices" },
                { BIND_REASON_PF_LISTED, "its PF 0000:75:00.0 is listed in binding.pfs" },
                { BIND_REASON_ALL, "binding.policy is \"all\"" },
                { BIND_REASON_ALLOWED, "allowed" },
        };

        for (size_t i = 0; i < ELEMENTSOF(t); i++) {
                _cleanup_free_ char *s = bind_reason_describe(t[i].reason, &f);
                ck_assert_str_eq(s, t[i].text);
        }
        for (BindReason r = 0; r < _BIND_REASON_MAX; r++)
                ck_assert_ptr_nonnull(bind_reason_to_string(r));
        ck_assert_ptr_null(bind_reason_to_string(_BIND_REASON_MAX));
        ck_assert_str_eq(bind_decision_to_string(BIND_DECISION_BIND), "bind");
        ck_assert_ptr_null(bind_decision_to_string(-1));
        {
                _cleanup_free_ char *s = bind_reason_describe(_BIND_REASON_INVALID, NULL);
                ck_assert_str_eq(s, "unknown");
        }
}
END_TEST

START_TEST(test_invalid) {
        _cleanup_(config_done) Config c = config("{}");
        BindFacts f = { .address = NULL };
        BindReason reason;

        ck_assert_int_eq(bind_policy_decide(&c, &f, &reason), _BIND_DECISION_INVALID);
        ck_assert_int_eq(bind_policy_decide(NULL, &f, &reason), _BIND_DECISION_INVALID);
        f.address = VF;
        ck_assert_int_eq(bind_policy_decide(&c, &f, NULL), _BIND_DECISION_INVALID);
}
END_TEST

static Suite *bind_policy_suite(void) {
        Suite *s = suite_create("bind-policy");
        TCase *tc = tcase_create("policy");

        tcase_add_loop_test(tc, test_decide, 0, (int)ELEMENTSOF(cases));
        tcase_add_test(tc, test_explicit);
        tcase_add_test(tc, test_describe);
        tcase_add_test(tc, test_invalid);
        suite_add_tcase(s, tc);

        return s;
}

TEST_MAIN(bind_policy_suite)
