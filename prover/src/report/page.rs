//! The HTML shell both pages share: escaping, the document head (a Content-Security-Policy that
//! forbids every script and every load, so the page cannot reach the network even by mistake),
//! the one style sheet (screen, narrow windows, print), and number formatting.

use std::fmt::Write;

/// Text for HTML content or a quoted attribute. Every string that comes from a bundle or a
/// commitment goes through it: bundle metadata is written by whoever hands over the file and
/// the proof does not bind it.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A relative link to a file name: every byte outside `[A-Za-z0-9._-]` percent-encoded, so a
/// file name can neither leave the folder nor become a `javascript:` or absolute URL.
pub fn href_path(dir: &str, file: &str) -> String {
    let mut out = String::from(dir);
    for b in file.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-') {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The "unverified" marker beside a label the proof does not bind.
pub const UNVERIFIED: &str =
    r#"<span class="tag unverified" title="A label from the bundle. The proof does not bind it.">unverified</span>"#;
/// The "proved" marker beside a public input of a verified proof.
pub const PROVED: &str = r#"<span class="tag proved" title="A public input of a proof that verified while this page was built.">proved</span>"#;

/// A whole document. `banner` is repeated at the top of every screen and printed page (the
/// confidential page's marking).
pub fn document(title: &str, banner: Option<&str>, body: &str) -> String {
    let banner_html =
        banner.map_or(String::new(), |b| format!("<div class=\"banner\" role=\"note\">{}</div>\n", esc(b)));
    let body_class = if banner.is_some() { " class=\"has-banner\"" } else { "" };
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
<meta name=\"referrer\" content=\"no-referrer\">\n\
<meta name=\"generator\" content=\"{generator}\">\n\
<title>{title}</title>\n<link rel=\"icon\" href=\"data:,\">\n<style>\n{CSS}</style>\n</head>\n\
<body{body_class}>\n{banner_html}<main>\n{body}</main>\n</body>\n</html>\n",
        generator = esc(crate::attestation::PROVER),
        title = esc(title),
    )
}

const CSS: &str = r#"
:root { --fg: #1b1f24; --muted: #57606a; --line: #d0d7de; --ok: #116329; --ok-bg: #dafbe1;
  --bad: #a40e26; --bad-bg: #ffebe9; --warn-bg: #fff8c5; --accent: #0b57a4; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0; color: var(--fg); background: #fff; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 16px 20px 48px; }
h1 { font-size: 1.6em; margin: 0.4em 0 0.2em; }
h2 { font-size: 1.25em; margin: 1.8em 0 0.5em; padding-top: 0.4em; border-top: 1px solid var(--line); }
h3 { font-size: 1.05em; margin: 1.2em 0 0.4em; }
p { margin: 0.4em 0 0.8em; }
.muted { color: var(--muted); }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 0.9em; overflow-wrap: anywhere; }
pre { background: #f6f8fa; border: 1px solid var(--line); padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 0.85em; }
.tag { display: inline-block; font-size: 0.72em; line-height: 1.3; padding: 0 5px; border-radius: 8px; vertical-align: 0.12em; white-space: nowrap; }
.tag.unverified { border: 1px dashed #9a6700; color: #7d4e00; background: #fff8c5; }
.tag.proved { border: 1px solid #1a7f37; color: var(--ok); background: var(--ok-bg); }
.status { font-weight: 600; white-space: nowrap; }
.status.verified { color: var(--ok); }
.status.failed { color: var(--bad); }
.badge { display: inline-block; font-weight: 700; font-size: 1.1em; padding: 2px 12px; border-radius: 6px; }
.badge.verified { background: var(--ok-bg); color: var(--ok); border: 1px solid #1a7f37; }
.badge.failed { background: var(--bad-bg); color: var(--bad); border: 1px solid var(--bad); }
.card { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 12px 0; }
.warning { background: var(--warn-bg); border: 1px solid #d4a72c; border-radius: 6px; padding: 8px 12px; }
.alert { background: var(--bad-bg); border: 1px solid var(--bad); border-radius: 6px; padding: 8px 12px; }
dl.facts { display: grid; grid-template-columns: minmax(9em, max-content) 1fr; gap: 4px 16px; margin: 8px 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.9em; }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
th, td { border-bottom: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
th { background: #f6f8fa; }
td.nowrap { white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.failed td { background: var(--bad-bg); }
figure { margin: 16px 0; break-inside: avoid; page-break-inside: avoid; }
figcaption { font-weight: 600; margin-bottom: 4px; }
svg.chart { width: 100%; height: auto; display: block; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
svg.chart text { font: 11px system-ui, sans-serif; fill: #3b434b; }
svg.chart .grid { stroke: #e6e9ec; stroke-width: 1; }
svg.chart .axis { stroke: #8c959f; stroke-width: 1; }
svg.chart .ref { stroke: #8c959f; stroke-dasharray: 4 3; }
svg.chart .line { fill: none; stroke-width: 2; }
svg.chart .failed-mark line { stroke: #cf222e; stroke-width: 1.5; stroke-dasharray: 3 2; }
svg.chart .failed-mark text { fill: #cf222e; font-weight: 700; }
ul.legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 0.9em; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
.swatch.failed { background: #fff; border: 2px dashed #cf222e; }
.banner { position: fixed; top: 0; left: 0; right: 0; z-index: 10; text-align: center; font-weight: 800; letter-spacing: 0.08em; background: #a40e26; color: #fff; padding: 6px 8px; }
body.has-banner main { padding-top: 52px; }
.meter { display: inline-block; width: 160px; max-width: 40vw; height: 10px; background: #eaeef2; border-radius: 5px; vertical-align: middle; overflow: hidden; }
.meter span { display: block; height: 100%; background: var(--accent); }
.meter.bad span { background: var(--bad); }
@media (max-width: 640px) {
  body { font-size: 14px; }
  main { padding: 10px 10px 32px; }
  dl.facts { grid-template-columns: 1fr; gap: 0 0; }
  dl.facts dd { margin-bottom: 6px; }
  th, td { padding: 3px 6px; }
}
@page { margin: 12mm; }
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  body.has-banner main { padding-top: 0; }
  .banner { position: fixed; top: 0; }
  body.has-banner { margin-top: 28px; }
  .scroll { overflow: visible; }
  pre { white-space: pre-wrap; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr, dl.facts { break-inside: avoid; page-break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  svg.chart { max-height: 120mm; }
}
"#;

/// Dollars for a chart's axis: `$1.5B`, `$494.7M`, `$12.3K`, `$900`.
pub fn usd_compact(dollars: f64) -> String {
    let a = dollars.abs();
    let (v, unit) = if a >= 1e12 {
        (dollars / 1e12, "T")
    } else if a >= 1e9 {
        (dollars / 1e9, "B")
    } else if a >= 1e6 {
        (dollars / 1e6, "M")
    } else if a >= 1e3 {
        (dollars / 1e3, "K")
    } else {
        return format!("${dollars:.0}");
    };
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("${s}{unit}")
}

/// Basis points as a percentage with two decimals: 10050 -> "100.50%".
pub fn bps_pct(bps: u64) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

/// Cents to dollars as a float, for drawing only (tables print exact amounts).
pub fn cents_f64(cents: u128) -> f64 {
    cents as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<script>"x" & 'y'</script>"#),
            "&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn links_stay_relative() {
        assert_eq!(href_path("bundles/", "epoch-1.json"), "bundles/epoch-1.json");
        assert_eq!(href_path("bundles/", "javascript:alert(1)"), "bundles/javascript%3Aalert%281%29");
        assert_eq!(href_path("bundles/", "../x y.json"), "bundles/..%2Fx%20y.json");
    }

    #[test]
    fn compact_amounts() {
        assert_eq!(usd_compact(1_493_790_791.0), "$1.49B");
        assert_eq!(usd_compact(494_653_465.34), "$494.65M");
        assert_eq!(usd_compact(500_000_000.0), "$500M");
        assert_eq!(usd_compact(12.0), "$12");
        assert_eq!(bps_pct(10_050), "100.50%");
    }
}
