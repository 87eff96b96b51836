/* SPDX-License-Identifier: MIT */
/*
 * diag.h: diagnostics are data. Library code never prints or exits: a
 * fallible function returns 0 or -1 and appends to the vp_diags list passed
 * last; -1 if and only if it appended an error. The CLI renders the list and
 * picks the exit code.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum vp_severity { VP_SEV_ERROR, VP_SEV_WARNING, VP_SEV_NOTE, VP_SEV__COUNT };

enum vp_code {
#define VP_CODE(name, number, severity, summary) VP_##name,
#include "diag-codes.def"
#undef VP_CODE
    VP_CODE_COUNT
};

/* A place in an input file; line and col are 1-based, 0 when unknown. */
struct vp_pos {
    const char *file; /* borrowed from the caller; a diagnostic keeps its own copy (vp_diag.file) */
    unsigned line;
    unsigned col;
    unsigned len; /* columns to underline, 0 = just a caret */
};

struct vp_diag {
    enum vp_code code;
    enum vp_severity severity;
    struct vp_pos pos; /* pos.file points at file */
    char *file;        /* a copy: the caller's name may be a buffer gone when the diagnostics are rendered */
    char *message;
    char *hint;   /* NULL or one sentence telling how to fix it */
    char **notes; /* facts that explain the message (members of a group, ...) */
    size_t n_notes;
    size_t notes_omitted; /* notes past the caps, counted only: rendered as "… and N more" */
};

struct vp_source {
    char *name;
    char *text;
    size_t len;
};

struct vp_diags {
    struct vp_diag *items;
    size_t n, cap;
    size_t n_errors, n_warnings;
    size_t dropped;            /* diagnostics past the cap, counted only */
    size_t n_notes_kept;       /* notes kept in all, for VP_NOTES_TOTAL_CAP */
    struct vp_source *sources; /* input texts, for the caret lines */
    size_t n_sources, cap_sources;
};

/* Stage limit: a stage reports every problem up to this many, then counts the rest. */
#define VP_DIAG_CAP 200
/*
 * Notes kept per diagnostic and in all; the rest are counted, and shown as
 * "… and N more". A group of 10,000 devices split across 200 VMs would
 * otherwise note every member in every diagnostic: 2 million lines.
 */
#define VP_NOTE_CAP 20
#define VP_NOTES_TOTAL_CAP 1000

const char *vp_code_id(enum vp_code code); /* "VP2001" */
const char *vp_code_summary(enum vp_code code);
enum vp_severity vp_code_severity(enum vp_code code);
const char *vp_severity_name(enum vp_severity sev);

/* Adds an error; returns -1 so callers can `return vp_error(...)`. */
int vp_error(struct vp_diags *d, enum vp_code code, const struct vp_pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
void vp_warning(struct vp_diags *d, enum vp_code code, const struct vp_pos *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Adds a diagnostic at its code's severity, for wrappers that pass a va_list on; -1 for an error, else 0. */
int vp_vreport(struct vp_diags *d, enum vp_code code, const struct vp_pos *pos, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
/* Sets the hint of the last diagnostic added. */
void vp_hint(struct vp_diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends a note to the last diagnostic added (past the caps: counts it). */
void vp_note(struct vp_diags *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* How many more notes the last diagnostic keeps before the caps: a caller with thousands stops formatting them. */
size_t vp_note_room(const struct vp_diags *d);
/* Counts n notes of the last diagnostic that were not even formatted (past the caps). */
void vp_note_omit(struct vp_diags *d, size_t n);

/*
 * Keeps a copy of an input file's text so diagnostics can quote its lines.
 * Returns the list's own copy of name: positions use it, so they stay valid
 * after the object parsed from the file is freed.
 */
const char *vp_diags_add_source(struct vp_diags *d, const char *name, const char *text, size_t len);
/* A copy of name that lives as long as the list: for positions in files without a quoted text. */
const char *vp_diags_intern(struct vp_diags *d, const char *name);
bool vp_diags_has_errors(const struct vp_diags *d);
/* Stable order for output: by file, line, column, then the order they were added. */
void vp_diags_sort(struct vp_diags *d);
void vp_diags_free(struct vp_diags *d);

/*
 * printf for text that holds facts of a host or an input file (driver and
 * device names, os-release, ...): control characters, bytes that are not
 * UTF-8, line separators and bidi overrides print as '?', as in
 * diagnostics; only the line ends the format itself ends with are kept.
 */
void vp_print_safe(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* GCC-style text with netplan's caret line; color only when asked. */
void vp_diags_render(const struct vp_diags *d, FILE *out, bool color);
