"""The HTML page around the report: inline CSS only (no scripts, fonts or files from the network)."""

CSS = """
:root { --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --band: #f4f6fa; --accent: #0072B2; }
* { box-sizing: border-box; }
html { font-size: 15px; }
body { margin: 0; color: var(--ink); background: #fff;
       font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       line-height: 1.45; }
main { max-width: 1120px; margin: 0 auto; padding: 28px 32px 48px; }
header.top { border-bottom: 3px solid var(--accent); padding-bottom: 10px; margin-bottom: 18px; }
h1 { font-size: 1.7rem; margin: 0 0 4px; }
h2 { font-size: 1.3rem; margin: 34px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 20px 0 6px; }
p { margin: 6px 0 10px; max-width: 78ch; }
.meta { color: var(--muted); font-size: 0.9rem; }
nav.toc { font-size: 0.92rem; margin: 10px 0 0; }
nav.toc a { color: var(--accent); text-decoration: none; margin-right: 14px; white-space: nowrap; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(230px, 1fr)); gap: 12px; margin: 14px 0; }
.card { border: 1px solid var(--line); border-left: 6px solid var(--c, var(--accent)); border-radius: 6px;
        padding: 10px 12px; background: #fff; }
.card .name { font-weight: 700; }
.card .big { font-size: 1.35rem; font-weight: 700; font-variant-numeric: tabular-nums; }
.card .small { color: var(--muted); font-size: 0.85rem; }
.swatch { display: inline-block; width: 0.8em; height: 0.8em; border-radius: 2px; margin-right: 6px;
          vertical-align: -0.05em; background: var(--c); }
.table-wrap { overflow-x: auto; margin: 8px 0 6px; }
table { border-collapse: collapse; font-size: 0.88rem; font-variant-numeric: tabular-nums; width: 100%; }
th, td { padding: 5px 9px; border-bottom: 1px solid var(--line); text-align: right; vertical-align: top; }
th { background: var(--band); font-weight: 600; }
th:first-child, td:first-child { text-align: left; }
td.text, th.text, table.textual th, table.textual td { text-align: left; }
td:first-child { white-space: nowrap; }
td.num { white-space: nowrap; }
table.settings td, table.settings th { overflow-wrap: anywhere; }
table.settings th { padding: 5px 6px; }
table.settings td:first-child { white-space: normal; overflow-wrap: normal; min-width: 10ch; }
tr.differs td { background: #fff6e0; }
td .rng { color: var(--muted); font-size: 0.8rem; display: block; }
td.win { color: #00664a; font-weight: 600; }
td.lose { color: #a33a00; font-weight: 600; }
figure { margin: 18px 0 26px; }
figure img { display: block; width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; }
figcaption { color: var(--muted); font-size: 0.88rem; margin-top: 6px; max-width: 90ch; }
.note { background: var(--band); border-left: 4px solid var(--muted); padding: 8px 12px; margin: 10px 0;
        font-size: 0.9rem; }
.verdict { border-left: 4px solid var(--accent, #1f77b4); padding: 8px 12px; margin: 10px 0; font-size: 1rem;
           background: var(--band); }
.formula { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.88rem;
           background: var(--band); padding: 6px 10px; border-radius: 4px; display: block; margin: 4px 0;
           overflow-wrap: anywhere; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 0.86em;
       overflow-wrap: anywhere; }
pre { font-size: 0.78rem; background: var(--band); padding: 10px; overflow-x: auto; white-space: pre-wrap;
      overflow-wrap: anywhere; }
details summary { cursor: pointer; color: var(--accent); }
footer { margin-top: 40px; color: var(--muted); font-size: 0.82rem; border-top: 1px solid var(--line);
         padding-top: 8px; }
@media (max-width: 700px) { main { padding: 16px; } html { font-size: 14px; } }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  html { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  nav.toc { display: none; }
  h2 { break-after: avoid; page-break-after: avoid; }
  figure, .card, tr, .note, .verdict { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap { overflow: visible; }
  table.settings { font-size: 0.72rem; }
  details { display: block; }
  figure img { border: none; }
  .table-wrap { overflow: visible; }
  table { font-size: 7.5pt; }
  th, td { padding: 3px 4px; }
  td.num, td:first-child { white-space: normal; }
  td .rng { font-size: 0.95em; }
  details > *:not(summary) { display: block; }
  a { color: inherit; text-decoration: none; }
}
"""

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="viralsim {version}">
<title>{title}</title>
<style>{css}</style>
</head>
<body>
<main>
{body}
</main>
</body>
</html>
"""
