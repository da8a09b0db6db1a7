//! The custodian's confidential page: built from its private commitment and the verified
//! attestation whose root the commitment has, under that attestation's proved policy and as-of
//! date. A maturity ladder, the haircut per policy bucket, WAM and weekly liquidity against the
//! policy's limits with their headroom, coverage headroom, and the positions nearest to
//! maturity. Marked CONFIDENTIAL on every screen and printed page, written only with
//! `--private`, outside the public site, readable by its owner only; the public page never
//! links to it.

use std::fmt::Write;

use bondproof_circuits::policy::BPS_MAX;
use bondproof_circuits::AttestationStatement;
use bondproof_verifier::bundle::fr_hex;

use super::charts::{self, Band, Frame, Stack, PALETTE};
use super::history::proven_minimum_cents;
use super::page::{bps_pct, cents_f64, document, esc, usd_compact};
use super::policy_text;
use crate::commitment::{days_since_epoch, CommittedLeaf};
use crate::error::usd;
use crate::ingest::iso_day;

pub const BANNER: &str = "CONFIDENTIAL \u{2014} custodian internal \u{2014} not for publication";

/// A remaining-maturity rung of the ladder, in days (inclusive; `None`: no upper bound).
const LADDER: [(u64, Option<u64>); 9] = [
    (0, Some(7)),
    (8, Some(30)),
    (31, Some(60)),
    (61, Some(90)),
    (91, Some(182)),
    (183, Some(273)),
    (274, Some(397)),
    (398, Some(730)),
    (731, None),
];

/// How many positions the "nearest to maturity" table lists.
const NEAREST: usize = 10;

struct Position<'a> {
    cusip: String,
    face: u64,
    maturity: &'a chrono::NaiveDate,
    remaining: u64,
    bps: u64,
}

fn rung_text(r: &(u64, Option<u64>)) -> String {
    match r.1 {
        Some(to) => format!("{}\u{2013}{} days", r.0, to),
        None => format!("{}+ days", r.0),
    }
}

fn share_bps(part: u128, whole: u128) -> u64 {
    (part * 10_000).checked_div(whole).map_or(0, |v| v as u64)
}

fn meter(fraction: f64, bad: bool) -> String {
    format!(
        "<span class=\"meter{}\" aria-hidden=\"true\"><span style=\"width:{:.1}%\"></span></span>",
        if bad { " bad" } else { "" },
        (fraction * 100.0).clamp(0.0, 100.0)
    )
}

/// The page. `leaves` are the commitment's, whose root is `statement.root` (checked by the
/// caller); `commitment_name` is shown so the desk knows which file it came from.
pub fn render(
    statement: &AttestationStatement,
    leaves: &[CommittedLeaf],
    commitment_name: &str,
    generated_at: &str,
) -> String {
    let s = statement;
    let as_of = s.as_of_days;
    let policy = &s.policy;
    let buckets = policy_text::buckets(policy);
    let positions: Vec<Position> = leaves
        .iter()
        .filter_map(|l| {
            let cusip = l.cusip?;
            let remaining = days_since_epoch(l.maturity).saturating_sub(as_of);
            let bps = buckets.iter().find(|b| b.contains(remaining)).map_or(0, |b| b.bps);
            Some(Position { cusip: cusip.to_string(), face: l.face_value, maturity: &l.maturity, remaining, bps })
        })
        .collect();
    let circuit_leaves: Vec<_> = leaves.iter().map(|l| l.to_leaf()).collect();
    let report = policy.evaluate(&circuit_leaves, as_of);
    let face_total = report.face_total;
    let liabilities = s.liabilities_cents();

    let mut b = String::new();
    let _ = write!(
        b,
        "<header>\n<h1>Reserve position: confidential desk view</h1>\n<p><strong>CONFIDENTIAL.</strong> This page shows \
         the positions behind a published attestation. Do not publish it; the public report does not link to it.</p>\n\
         <dl class=\"facts\">\n<dt>Attestation</dt><dd>epoch {epoch}, valued as of {date}, root <code>{root}</code> (verified)</dd>\n\
         <dt>Commitment</dt><dd><code>{file}</code>, {n} positions, face value {face}</dd>\n\
         <dt>Policy</dt><dd>{summary}</dd>\n<dt>Built</dt><dd>{at}</dd>\n</dl>\n</header>\n",
        epoch = s.epoch,
        date = iso_day(as_of),
        root = fr_hex(&s.root),
        file = esc(commitment_name),
        n = positions.len(),
        face = usd(face_total),
        summary = esc(&policy_text::summary(policy)),
        at = esc(generated_at),
    );
    if !report.ok() {
        b.push_str("<p class=\"alert\">The positions break the policy now:</p><ul>");
        for v in &report.violations {
            let _ = write!(b, "<li>{}</li>", esc(&v.to_string()));
        }
        b.push_str("</ul>\n");
    }

    // Limits and headroom.
    let counted = report.counted_cents();
    let needed = liabilities * u128::from(s.ratio_bps);
    let surplus_scaled = report.counted_scaled.saturating_sub(needed);
    let wam_days = if face_total == 0 { 0.0 } else { report.face_days as f64 / face_total as f64 };
    let weekly_bps = share_bps(report.weekly_face, face_total);
    b.push_str("<section id=\"limits\" aria-labelledby=\"limits-h\">\n<h2 id=\"limits-h\">Limits and headroom</h2>\n<div class=\"scroll\"><table id=\"limits-table\">\
        <caption>The policy's limits at the attestation's as-of date</caption>\n<thead><tr><th>Measure</th><th class=\"num\">Now</th>\
        <th class=\"num\">Limit</th><th class=\"num\">Headroom</th><th>Use of the limit</th></tr></thead><tbody>\n");
    let _ = writeln!(
        b,
        "<tr><td>Counted reserves vs liabilities &times; ratio</td><td class=\"num\">{}</td><td class=\"num\">&ge; {}</td>\
         <td class=\"num\">{}</td><td>{}</td></tr>",
        usd(counted),
        usd(needed.div_ceil(10_000)),
        usd(surplus_scaled / 10_000),
        meter(if report.counted_scaled == 0 { 1.0 } else { needed as f64 / report.counted_scaled as f64 }, report.counted_scaled < needed),
    );
    if policy.wam_enabled {
        let head = policy.max_wam_days as f64 - wam_days;
        let _ = writeln!(
            b,
            "<tr><td>Weighted average maturity</td><td class=\"num\">{wam_days:.1} days</td><td class=\"num\">&le; {} days</td>\
             <td class=\"num\">{head:.1} days</td><td>{}</td></tr>",
            policy.max_wam_days,
            meter(wam_days / (policy.max_wam_days.max(1) as f64), head < 0.0),
        );
    } else {
        let _ = writeln!(
            b,
            "<tr><td>Weighted average maturity</td><td class=\"num\">{wam_days:.1} days</td><td class=\"num\">no limit</td><td class=\"num\">&mdash;</td><td></td></tr>"
        );
    }
    if policy.weekly_enabled {
        let min = policy.min_weekly_liquid_bps;
        let head = i128::from(weekly_bps) - i128::from(min);
        let spare_face = report.weekly_face.saturating_sub((face_total * u128::from(min)).div_ceil(10_000));
        let _ = writeln!(
            b,
            "<tr><td>Weekly liquidity (face maturing within 7 days)</td><td class=\"num\">{} ({})</td><td class=\"num\">&ge; {}</td>\
             <td class=\"num\">{} bps ({})</td><td>{}</td></tr>",
            bps_pct(weekly_bps),
            usd(report.weekly_face),
            bps_pct(min),
            head,
            usd(spare_face),
            meter(if weekly_bps == 0 { 1.0 } else { min as f64 / weekly_bps as f64 }, head < 0),
        );
    } else {
        let _ = writeln!(
            b,
            "<tr><td>Weekly liquidity (face maturing within 7 days)</td><td class=\"num\">{} ({})</td><td class=\"num\">no minimum</td><td class=\"num\">&mdash;</td><td></td></tr>",
            bps_pct(weekly_bps),
            usd(report.weekly_face)
        );
    }
    b.push_str("</tbody></table></div>\n</section>\n");

    // Maturity ladder.
    let ladder: Vec<u128> = LADDER
        .iter()
        .map(|r| {
            positions
                .iter()
                .filter(|p| p.remaining >= r.0 && r.1.is_none_or(|t| p.remaining <= t))
                .map(|p| u128::from(p.face))
                .sum()
        })
        .collect();
    // Short axis labels ("8-30d"); the table below has the full ones.
    let bands: Vec<Band> = LADDER
        .iter()
        .map(|r| Band { label: r.1.map_or(format!("{}d+", r.0), |t| format!("{}\u{2013}{t}d", r.0)), failed: false })
        .collect();
    let frame = Frame {
        id: "chart-ladder",
        title: "Maturity ladder: face value by remaining maturity",
        description: "Face value of the committed positions in each remaining-maturity bucket, at the as-of date.",
        table_id: "ladder-table",
        bands: &bands,
        x_label: "remaining maturity",
        y_label: "US dollars",
        y_format: usd_compact,
    };
    let stack = Stack {
        name: "face value".into(),
        colour: PALETTE[0],
        values: ladder.iter().map(|v| Some(cents_f64(*v))).collect(),
    };
    let _ = write!(
        b,
        "<section aria-labelledby=\"ladder-h\">\n<h2 id=\"ladder-h\">Maturity ladder</h2>\n<figure aria-describedby=\"ladder-table\">\
         <figcaption>Face value by remaining maturity</figcaption>\n{}</figure>\n<div class=\"scroll\"><table id=\"ladder-table\">\
         <caption>Maturity ladder</caption>\n<thead><tr><th>Remaining maturity</th><th class=\"num\">Positions</th>\
         <th class=\"num\">Face value</th><th class=\"num\">Share</th></tr></thead><tbody>\n",
        charts::stacked_bars(&frame, &[stack]),
    );
    for (r, face) in LADDER.iter().zip(&ladder) {
        let count = positions.iter().filter(|p| p.remaining >= r.0 && r.1.is_none_or(|t| p.remaining <= t)).count();
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td class=\"num\">{count}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            rung_text(r),
            usd(*face),
            bps_pct(share_bps(*face, face_total))
        );
    }
    b.push_str("</tbody></table></div>\n</section>\n");

    // Haircut per policy bucket.
    b.push_str("<section aria-labelledby=\"haircut-h\">\n<h2 id=\"haircut-h\">Haircut per bucket</h2>\n<div class=\"scroll\"><table id=\"haircut-buckets\">\
        <caption>The proved policy's haircut schedule applied to the positions</caption>\n<thead><tr><th>Remaining maturity</th>\
        <th class=\"num\">Haircut</th><th class=\"num\">Face value</th><th class=\"num\">Haircut amount</th><th class=\"num\">Counted</th></tr></thead><tbody>\n");
    for bucket in &buckets {
        let face: u128 = positions.iter().filter(|p| bucket.contains(p.remaining)).map(|p| u128::from(p.face)).sum();
        let counted_scaled = face * u128::from(BPS_MAX - bucket.bps.min(BPS_MAX));
        let _ = writeln!(
            b,
            "<tr><td>{}</td><td class=\"num\">{} bps</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&bucket.range_text()),
            bucket.bps,
            usd(face),
            usd(face - counted_scaled / 10_000),
            usd(counted_scaled / 10_000),
        );
    }
    let _ = write!(
        b,
        "</tbody><tfoot><tr><th>Total</th><th></th><th class=\"num\">{}</th><th class=\"num\">{}</th><th class=\"num\">{}</th></tr></tfoot></table></div>\n\
         <p class=\"muted\">Published (proved): counted reserves are at least {} (liabilities {} &times; {}).</p>\n</section>\n",
        usd(face_total),
        usd(face_total - counted),
        usd(counted),
        usd(proven_minimum_cents(s)),
        usd(liabilities),
        bps_pct(u64::from(s.ratio_bps)),
    );

    // Nearest to maturity.
    let mut nearest: Vec<&Position> = positions.iter().collect();
    nearest.sort_by(|a, b| (a.remaining, &a.cusip).cmp(&(b.remaining, &b.cusip)));
    let _ = write!(
        b,
        "<section aria-labelledby=\"nearest-h\">\n<h2 id=\"nearest-h\">Positions nearest to maturity</h2>\n<div class=\"scroll\"><table id=\"nearest-table\">\
         <caption>The {} positions that mature first</caption>\n<thead><tr><th>CUSIP</th><th>Maturity</th><th class=\"num\">Days left</th>\
         <th class=\"num\">Face value</th><th class=\"num\">Haircut</th></tr></thead><tbody>\n",
        nearest.len().min(NEAREST)
    );
    for p in nearest.iter().take(NEAREST) {
        let _ = writeln!(
            b,
            "<tr><td><code>{}</code></td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{} bps</td></tr>",
            esc(&p.cusip),
            p.maturity.format("%Y-%m-%d"),
            p.remaining,
            usd(u128::from(p.face)),
            p.bps
        );
    }
    b.push_str("</tbody></table></div>\n</section>\n");
    document("CONFIDENTIAL: reserve position, desk view", Some(BANNER), &b)
}
