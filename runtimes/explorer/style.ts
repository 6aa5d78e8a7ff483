/** The explorer's one stylesheet, served at <base>/style.css: system fonts, high contrast, visible focus. */
export const explorerStyle = `
:root { color-scheme: light dark; --fg: #111; --bg: #fff; --muted: #555; --line: #ccc; --accent: #0b57d0; --mark: #fff3b0; --bad: #b00020; --ok: #11652f; }
@media (prefers-color-scheme: dark) { :root { --fg: #eee; --bg: #151515; --muted: #aaa; --line: #444; --accent: #8ab4f8; --mark: #5c4d00; --bad: #ff8a80; --ok: #81c995; } }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
a { color: var(--accent); }
:focus-visible { outline: 3px solid var(--accent); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; } .skip:focus { left: 1rem; top: 1rem; background: var(--bg); padding: .5rem; }
header { display: flex; flex-wrap: wrap; gap: 1rem 2rem; align-items: baseline; padding: .75rem 1.5rem; border-bottom: 1px solid var(--line); }
header nav ul { display: flex; gap: 1.25rem; list-style: none; margin: 0; padding: 0; }
header p { margin: 0; color: var(--muted); }
main { padding: 1rem 1.5rem 3rem; max-width: 90rem; }
h1 { font-size: 1.5rem; margin: .5rem 0 1rem; } h2 { font-size: 1.2rem; margin-top: 2rem; } h3 { font-size: 1.05rem; margin: 0 0 .5rem; } h4 { margin: .75rem 0 .25rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; vertical-align: top; padding: .35rem .6rem; border-bottom: 1px solid var(--line); }
thead th { border-bottom: 2px solid var(--fg); }
pre { margin: 0; white-space: pre-wrap; word-break: break-word; font: 13px/1.4 ui-monospace, monospace; }
code { font: 13px ui-monospace, monospace; }
form.search { display: flex; flex-wrap: wrap; gap: .75rem 1rem; align-items: end; margin: .5rem 0 1rem; }
form.search label { display: flex; flex-direction: column; gap: .2rem; font-weight: 600; }
input, select, button { font: inherit; font-weight: normal; padding: .35rem .5rem; }
button { cursor: pointer; border: 1px solid var(--fg); background: var(--bg); color: var(--fg); border-radius: 4px; }
button.danger { border-color: var(--bad); color: var(--bad); }
td ul { margin: 0; padding-left: 1rem; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: .5rem 0; }
dl.facts dt { font-weight: 600; }
dl.facts dd { margin: 0; }
ol.events { list-style: none; padding: 0; }
ol.events > li { border: 1px solid var(--line); border-radius: 6px; padding: .75rem 1rem; margin: 0 0 1rem; }
.columns { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1rem; }
tr.changed > *, tr.added > * { background: var(--mark); font-weight: 600; }
tr.removed > * { background: var(--mark); text-decoration: line-through; }
.bad { color: var(--bad); font-weight: 600; } .ok { color: var(--ok); font-weight: 600; } .muted { color: var(--muted); }
.notice { border-left: 4px solid var(--accent); padding: .5rem 1rem; margin: 0 0 1rem; }
.notice.bad { border-color: var(--bad); }
.actions { display: flex; gap: .5rem; flex-wrap: wrap; }
figure.chart { margin: 1rem 0; } figure.chart svg { max-width: 100%; height: auto; display: block; margin: .5rem 0; }
.chart .axis { stroke: var(--muted); stroke-width: 1; } .chart .series { stroke: var(--accent); stroke-width: 2; fill: none; }
.chart circle.series { fill: var(--accent); } .chart .label { fill: var(--muted); font: 12px ui-monospace, monospace; }
nav.pager { display: flex; flex-wrap: wrap; gap: 1rem; align-items: baseline; margin: .5rem 0; }
ul.tree, ul.tree ul.children { list-style: none; margin: 0; padding-left: 1.5rem; }
ul.tree { padding-left: 0; }
ul.tree li[data-breadcrumbs] { position: relative; padding: .25rem 0 .25rem 1rem; }
ul.children > li::before { content: ""; position: absolute; left: -.75rem; top: 0; bottom: 0; border-left: 2px solid var(--line); }
ul.children > li:last-child::before { bottom: auto; height: 1.1rem; }
ul.children > li::after { content: ""; position: absolute; left: -.75rem; top: 1.1rem; width: 1.25rem; border-top: 2px solid var(--line); }
.node { display: inline-block; border: 1px solid var(--line); border-radius: 6px; padding: .35rem .6rem; }
.node ul.events-written { list-style: disc; padding-left: 1.25rem; margin: .25rem 0 0; }
`;
