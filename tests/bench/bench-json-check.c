/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The bench's smoke test reads `tools/bench --json` with this: the output parses, and it has
 * the shape issue 13 gives (machine, build_type, parameters, and figures: a list of objects
 * with name, value, unit, baseline, ratio, target and met), with every figure named on the
 * command line present. Values are not judged: the bench is not a test of speed.
 *
 *   bench-json-check FILE FIGURE...
 */

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "macro.h"

static const char *const figure_keys[] = {
        "name", "value", "unit", "baseline", "ratio", "target", "met",
};

static int fail(const char *what) {
        fprintf(stderr, "bench-json-check: %s\n", what);
        return 1;
}

int main(int argc, char *argv[]) {
        json_object *root, *figures, *v;
        size_t n;
        int ret = 0;

        if (argc < 2) {
                fprintf(stderr, "usage: bench-json-check FILE FIGURE...\n");
                return 2;
        }
        root = json_object_from_file(argv[1]);
        if (!root)
                return fail("the output does not parse as JSON");
        if (!json_object_object_get_ex(root, "machine", &v) ||
            !json_object_is_type(v, json_type_object))
                ret = fail("no \"machine\" object");
        if (!json_object_object_get_ex(root, "build_type", &v) ||
            !json_object_is_type(v, json_type_string))
                ret = fail("no \"build_type\" string");
        if (!json_object_object_get_ex(root, "parameters", &v) ||
            !json_object_is_type(v, json_type_object))
                ret = fail("no \"parameters\" object");
        if (!json_object_object_get_ex(root, "figures", &figures) ||
            !json_object_is_type(figures, json_type_array)) {
                json_object_put(root);
                return fail("no \"figures\" list");
        }
        n = json_object_array_length(figures);
        for (size_t i = 0; i < n; i++) {
                json_object *f = json_object_array_get_idx(figures, i);

                for (size_t k = 0; k < ELEMENTSOF(figure_keys); k++)
                        if (!json_object_object_get_ex(f, figure_keys[k], NULL)) {
                                fprintf(stderr, "bench-json-check: figure %zu has no \"%s\"\n", i,
                                        figure_keys[k]);
                                ret = 1;
                        }
        }
        for (int a = 2; a < argc; a++) {
                bool found = false;

                for (size_t i = 0; i < n && !found; i++) {
                        json_object *f = json_object_array_get_idx(figures, i), *name;

                        found = json_object_object_get_ex(f, "name", &name) &&
                                streq(json_object_get_string(name), argv[a]);
                }
                if (!found) {
                        fprintf(stderr, "bench-json-check: no figure \"%s\"\n", argv[a]);
                        ret = 1;
                }
        }
        json_object_put(root);
        return ret;
}
