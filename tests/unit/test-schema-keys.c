/* SPDX-License-Identifier: MIT */
/*
 * test-schema-keys.c: the spec's field tables and the published JSON Schema
 * (schema/vfioplan-v1.schema.json) list exactly the same keys.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "vfioplan/spec.h"

static const char *schema_path;
static struct json_object *root;
static char *schema_keys[512];
static size_t n_schema_keys;

static struct json_object *
deref(struct json_object *o)
{
    struct json_object *ref;
    if (json_object_object_get_ex(o, "$ref", &ref)) {
        const char *r = json_object_get_string(ref); /* "#/definitions/NAME" */
        struct json_object *defs, *def;
        if (json_object_object_get_ex(root, "definitions", &defs) &&
            json_object_object_get_ex(defs, strrchr(r, '/') + 1, &def))
            return def;
    }
    return o;
}

static void
walk(struct json_object *o, const char *prefix)
{
    o = deref(o);
    struct json_object *props, *items;
    if (json_object_object_get_ex(o, "items", &items)) {
        char p[256];
        snprintf(p, sizeof(p), "%s[]", prefix);
        walk(items, p);
        return;
    }
    if (!json_object_object_get_ex(o, "properties", &props))
        return;
    json_object_object_foreach(props, key, val)
    {
        char p[256];
        snprintf(p, sizeof(p), "%s%s%s", prefix, *prefix ? "." : "", key);
        schema_keys[n_schema_keys++] = vp_xstrdup(p);
        struct json_object *v = deref(val), *it;
        /* a list of strings (kernel_args) has no keys below it */
        if (json_object_object_get_ex(v, "items", &it) &&
            !json_object_object_get_ex(deref(it), "properties", &(struct json_object *){NULL}))
            continue;
        walk(val, p);
    }
}

static void
test_same_keys(void **state)
{
    (void)state;
    root = json_object_from_file(schema_path);
    assert_non_null(root);
    walk(root, "");
    const char **keys;
    size_t n = vp_spec_schema_keys(&keys);
    qsort(keys, n, sizeof(*keys), vp_strcmp_ptr);
    qsort(schema_keys, n_schema_keys, sizeof(*schema_keys), vp_strcmp_ptr);
    size_t i = 0, j = 0;
    int mismatches = 0;
    while (i < n || j < n_schema_keys) {
        int c = i == n ? 1 : j == n_schema_keys ? -1 : strcmp(keys[i], schema_keys[j]);
        if (c < 0)
            printf("only in the C tables: %s\n", keys[i++]), mismatches++;
        else if (c > 0)
            printf("only in the JSON Schema: %s\n", schema_keys[j++]), mismatches++;
        else
            i++, j++;
    }
    assert_int_equal(mismatches, 0);
    assert_true(n > 40); /* the walk found the whole schema */
    for (i = 0; i < n; i++)
        free((char *)keys[i]);
    free(keys);
    for (j = 0; j < n_schema_keys; j++)
        free(schema_keys[j]);
    json_object_put(root);
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SCHEMA.json\n", argv[0]);
        return 2;
    }
    schema_path = argv[1];
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_same_keys)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
