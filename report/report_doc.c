/* report_doc: writes one document twice, as Markdown and as HTML.
 *
 * The report sections call these functions once; each call emits both
 * forms, so report.md and report.html always say the same thing. Text is
 * escaped per output: HTML gets entities for & < > " ', Markdown gets
 * backslashes before the punctuation that would start emphasis, links or
 * HTML. The only markup callers may use is a `code` span. Also the text
 * helpers of both reports: the number format of their tables, counts,
 * percentages, mode names and the SLO phrase. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_internal.h"
#include "verdict.h"

#define DOC_TEXT_MAX 8192

static const char doc_css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;max-width:1000px;"
    "margin:2em auto;padding:0 1em;color:#222;line-height:1.45}"
    "h1,h2,h3{line-height:1.2}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}"
    "table{border-collapse:collapse;margin:1em 0;font-size:.92em}"
    "th,td{border:1px solid #ccc;padding:.25em .6em}th{background:#f3f3f3}"
    "td.r,th.r{text-align:right}td.l,th.l{text-align:left}td.r{white-space:nowrap}"
    "tr:nth-child(even) td{background:#fafafa}"
    "code{background:#f3f3f3;padding:0 .25em;border-radius:3px}"
    "figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}"
    "figcaption{color:#555;font-size:.9em}";

/* ---- escaping -------------------------------------------------------------- */

static void html_escape(FILE *f, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) {
    switch (s[i]) {
    case '&':
      fputs("&amp;", f);
      break;
    case '<':
      fputs("&lt;", f);
      break;
    case '>':
      fputs("&gt;", f);
      break;
    case '"':
      fputs("&quot;", f);
      break;
    case '\'':
      fputs("&#39;", f);
      break;
    default:
      fputc(s[i], f);
    }
  }
}

static int is_word(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Markdown text outside code spans. `in_table` also escapes the cell
 * separator. Intraword underscores (ambient_waypoint) are left alone: they
 * never start emphasis in CommonMark and escaping them hurts reading. */
static void md_escape(FILE *f, const char *s, size_t len, int in_table) {
  for (size_t i = 0; i < len; i++) {
    char c = s[i];
    /* ']' only before '(': that is what would make a link. */
    int special = c == '\\' || c == '*' || (c == ']' && i + 1 < len && s[i + 1] == '(') ||
                  c == '<' || c == '>' || (c == '#' && i == 0) || (in_table && c == '|');
    if (c == '_')
      special = !(i > 0 && is_word(s[i - 1]) && i + 1 < len && is_word(s[i + 1]));
    if (special)
      fputc('\\', f);
    /* A newline or other control byte (free text such as a description may
     * hold one) would end the paragraph or table row and let the rest read
     * as a heading or a new row: it is written as a space. */
    fputc((unsigned char)c < 0x20 || c == 0x7F ? ' ' : c, f);
  }
}

/* Writes text with `code` spans to both outputs. */
static void doc_inline(report_doc *doc, const char *s, int in_table) {
  int code = 0;
  while (*s) {
    const char *tick = strchr(s, '`');
    size_t len = tick ? (size_t)(tick - s) : strlen(s);
    if (code) {
      fputc('`', doc->md);
      /* A | would still split a table cell; report_code() replaces it. */
      fwrite(s, 1, len, doc->md);
      fputc('`', doc->md);
      fputs("<code>", doc->html);
      html_escape(doc->html, s, len);
      fputs("</code>", doc->html);
    } else {
      md_escape(doc->md, s, len, in_table);
      html_escape(doc->html, s, len);
    }
    if (!tick)
      break;
    s = tick + 1;
    code = !code;
  }
}

void report_fmt(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, n, fmt, ap);
  va_end(ap);
}

const char *report_code(char *buf, size_t n, const char *s) {
  snprintf(buf, n, "%s", s ? s : "");
  for (char *p = buf; *p; p++)
    if (*p == '`' || *p == '|' || *p == '\n' || *p == '\r')
      *p = '\'';
  return buf;
}

/* ---- numbers and names ------------------------------------------------------- */

void report_format_value(char *buf, size_t n, double v) {
  double a = fabs(v);
  if (!isfinite(v))
    report_fmt(buf, n, "n/a");
  else if (v == 0)
    report_fmt(buf, n, "0");
  else if (a >= 99.95) /* thresholds on the rounded value: 99.96 -> "100", not "100.0" */
    report_fmt(buf, n, "%.0f", v);
  else if (a >= 9.995)
    report_fmt(buf, n, "%.1f", v);
  else if (a >= 0.9995)
    report_fmt(buf, n, "%.2f", v);
  else if (a >= 0.001)
    report_fmt(buf, n, "%#.3g", v); /* keep trailing zeros: 0.900, not 0.9 */
  else
    report_fmt(buf, n, "%.2e", v);
}

const char *report_num(char *buf, size_t n, double v) {
  report_format_value(buf, n, v);
  return buf;
}

const char *report_count(char *buf, size_t n, uint64_t v) {
  report_fmt(buf, n, "%" PRIu64, v);
  return buf;
}

const char *report_pct(char *buf, size_t n, double fraction) {
  if (!isfinite(fraction))
    report_fmt(buf, n, "n/a");
  else
    report_fmt(buf, n, "%.1f%%", 100 * fraction);
  return buf;
}

const char *report_mode_name(const mode_result *m) {
  return mode_result_name(m);
}

/* "slower than 100 ms" from the stored SLO; "over the latency SLO" when
 * the database predates it. */
const char *report_slo_phrase(const run_result *r, char *buf, size_t n) {
  char v[32];
  if (isfinite(r->slo_ms) && r->slo_ms > 0)
    report_fmt(buf, n, "slower than %s ms", (report_format_value(v, sizeof v, r->slo_ms), v));
  else
    report_fmt(buf, n, "over the latency SLO");
  return buf;
}

const char *report_objective_latency(const run_result *r, char *buf, size_t n) {
  char v[32];
  if (!isfinite(r->slo_ms) || r->slo_ms <= 0)
    return NULL;
  report_fmt(buf, n, "%s at most %s ms", verdict_percentile_name(r->objective_quantile),
             (report_format_value(v, sizeof v, r->slo_ms), v));
  return buf;
}

/* ---- the document ---------------------------------------------------------------- */

static void doc_vformat(char *buf, size_t n, const char *fmt, va_list ap) {
  vsnprintf(buf, n, fmt, ap);
}

/* ---- document ------------------------------------------------------------- */

static FILE *doc_fopen(const char *dir, const char *name, char *err, size_t n) {
  char path[REPORT_PATH_MAX];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f && err)
    snprintf(err, n, "%s: cannot write: %s", path, strerror(errno));
  return f;
}

int report_doc_open(report_doc *doc, const char *dir, const char *title, char *err, size_t n) {
  memset(doc, 0, sizeof *doc);
  doc->md = doc_fopen(dir, title ? "report.md" : "null", err, n);
  if (!doc->md)
    return DB_EIO;
  doc->html = doc_fopen(dir, title ? "report.html" : "null", err, n);
  if (!doc->html) {
    fclose(doc->md);
    doc->md = NULL;
    return DB_EIO;
  }
  if (!title)
    return 0; /* a document that goes nowhere */
  fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
        doc->html);
  html_escape(doc->html, title, strlen(title));
  fprintf(doc->html, "</title>\n<style>%s</style>\n</head>\n<body>\n", doc_css);
  return 0;
}

int report_doc_close(report_doc *doc) {
  report_doc_end_list(doc);
  fputs("</body>\n</html>\n", doc->html);
  int bad = doc->failed;
  bad |= ferror(doc->md) | ferror(doc->html);
  bad |= fclose(doc->md) != 0;
  bad |= fclose(doc->html) != 0;
  doc->md = doc->html = NULL;
  return bad ? DB_EIO : 0;
}

void report_doc_heading(report_doc *doc, int level, const char *fmt, ...) {
  char text[DOC_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  doc_vformat(text, sizeof text, fmt, ap);
  va_end(ap);
  report_doc_end_list(doc);
  if (level < 1)
    level = 1;
  if (level > 4)
    level = 4;
  fprintf(doc->md, "%.*s ", level, "####");
  fprintf(doc->html, "<h%d>", level);
  doc_inline(doc, text, 0);
  fputs("\n\n", doc->md);
  fprintf(doc->html, "</h%d>\n", level);
}

void report_doc_para(report_doc *doc, const char *fmt, ...) {
  char text[DOC_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  doc_vformat(text, sizeof text, fmt, ap);
  va_end(ap);
  report_doc_end_list(doc);
  fputs("<p>", doc->html);
  doc_inline(doc, text, 0);
  fputs("\n\n", doc->md);
  fputs("</p>\n", doc->html);
}

void report_doc_item(report_doc *doc, const char *fmt, ...) {
  char text[DOC_TEXT_MAX];
  va_list ap;
  va_start(ap, fmt);
  doc_vformat(text, sizeof text, fmt, ap);
  va_end(ap);
  if (!doc->in_list) {
    fputs("<ul>\n", doc->html);
    doc->in_list = 1;
  }
  fputs("- ", doc->md);
  fputs("<li>", doc->html);
  doc_inline(doc, text, 0);
  fputs("\n", doc->md);
  fputs("</li>\n", doc->html);
}

void report_doc_end_list(report_doc *doc) {
  if (!doc->in_list)
    return;
  fputs("\n", doc->md);
  fputs("</ul>\n", doc->html);
  doc->in_list = 0;
}

static const char *align_class(const char *align, size_t i) {
  return (align && i < strlen(align) && align[i] == 'r') ? "r" : "l";
}

void report_doc_table_begin(report_doc *doc, size_t ncols, const char *const *head,
                            const char *align) {
  report_doc_end_list(doc);
  snprintf(doc->align, sizeof doc->align, "%s", align ? align : "");
  fputs("<table>\n<thead><tr>", doc->html);
  fputs("|", doc->md);
  for (size_t i = 0; i < ncols; i++) {
    fputs(" ", doc->md);
    fprintf(doc->html, "<th class=\"%s\">", align_class(align, i));
    doc_inline(doc, head[i], 1);
    fputs(" |", doc->md);
    fputs("</th>", doc->html);
  }
  fputs("\n|", doc->md);
  for (size_t i = 0; i < ncols; i++)
    fputs(align_class(align, i)[0] == 'r' ? " ---: |" : " :--- |", doc->md);
  fputs("\n", doc->md);
  fputs("</tr></thead>\n<tbody>\n", doc->html);
}

void report_doc_table_row(report_doc *doc, size_t ncols, const char *const *cells) {
  fputs("|", doc->md);
  fputs("<tr>", doc->html);
  for (size_t i = 0; i < ncols; i++) {
    fputs(" ", doc->md);
    fprintf(doc->html, "<td class=\"%s\">", align_class(doc->align, i));
    doc_inline(doc, cells[i] ? cells[i] : "", 1);
    fputs(" |", doc->md);
    fputs("</td>", doc->html);
  }
  fputs("\n", doc->md);
  fputs("</tr>\n", doc->html);
}

void report_doc_table_end(report_doc *doc) {
  fputs("\n", doc->md);
  fputs("</tbody>\n</table>\n", doc->html);
}

void report_doc_image(report_doc *doc, const char *src, const char *caption) {
  report_doc_end_list(doc);
  fputs("![", doc->md);
  md_escape(doc->md, caption, strlen(caption), 1);
  fprintf(doc->md, "](%s)\n\n", src);
  fputs("<figure><img src=\"", doc->html);
  html_escape(doc->html, src, strlen(src));
  fputs("\" alt=\"", doc->html);
  html_escape(doc->html, caption, strlen(caption));
  fputs("\"><figcaption>", doc->html);
  html_escape(doc->html, caption, strlen(caption));
  fputs("</figcaption></figure>\n", doc->html);
}
