"""Charts for analysis results: PNG through matplotlib (no browser needed)
and an HTML report with interactive Vega-Lite specs.

The report carries Vega, Vega-Lite and vega-embed inside the page, taken from
the vl-convert-python package, so it opens on a customs network without
internet. Without that package it falls back to the public CDN and says so
on the page."""
from __future__ import annotations

import html
import json
import math
from functools import lru_cache
from pathlib import Path

import pandas as pd

from kordon.monitor.result import Result

COLORS = {"base": "#9ecae1", "period": "#fdae6b", "a": "#3182bd", "b": "#e6550d"}


def _scale(values) -> tuple[float, str]:
    top = max((abs(v) for v in values if v is not None and not pd.isna(v)), default=0)
    for div, word in ((1e9, "bn"), (1e6, "m"), (1e3, "k")):
        if top >= div:
            return div, word
    return 1.0, ""


def _plt():
    import matplotlib

    matplotlib.use("Agg")  # files only; no display on servers and CI
    import matplotlib.pyplot as plt

    return plt


def png(result: Result, path: str | Path) -> Path:
    plt = _plt()
    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=110)
    {"change": _change, "mirror": _mirror, "diversion": _diversion, "anomalies": _anomalies}[result.kind](ax, result)
    ax.set_title(_wrap(result.title), fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path)
    plt.close(fig)
    return path


def _wrap(text: str, width: int = 95) -> str:
    words, lines, cur = text.split(), [], ""
    for w in words:
        if len(cur) + len(w) + 1 > width:
            lines.append(cur)
            cur = w
        else:
            cur = f"{cur} {w}".strip()
    return "\n".join([*lines, cur])


def _change(ax, r: Result) -> None:
    s = r.tables["series"]
    div, word = _scale(s.value)
    x = range(len(s))
    colors = [COLORS.get(k, "#bdbdbd") for k in s["in"]]
    ax.bar(x, s.value / div, color=colors)
    # Shade the two compared periods so the eye finds them without a legend hunt.
    for key in ("base", "period"):
        idx = [i for i, k in enumerate(s["in"]) if k == key]
        if idx:
            ax.axvspan(min(idx) - 0.5, max(idx) + 0.5, color=COLORS[key], alpha=0.18,
                       label=f"{key}: {r.params[key]}")
    step = max(1, len(s) // 12)
    ax.set_xticks(list(x)[::step], list(s.period)[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel(f"{r.params['currency']} {word}")
    sm = r.tables["summary"].iloc[0]
    if sm.change_pct is not None and not pd.isna(sm.change_pct):
        ax.text(0.01, 0.95, f"change {sm.change_pct:+.1f}%", transform=ax.transAxes, va="top")
    ax.legend(loc="upper right", fontsize=8)


def _mirror(ax, r: Result) -> None:
    d = r.tables["mirror"].dropna(subset=["a_exports", "b_imports_fob"])
    labels = [str(y) if "month" not in d or pd.isna(m) else f"{y}-{int(m):02d}"
              for y, m in zip(d.year, d.get("month", [None] * len(d)))]
    div, word = _scale(list(d.a_exports) + list(d.b_imports_fob))
    x = range(len(d))
    w = 0.4
    a, b = d.a.iloc[0], d.b.iloc[0]
    ax.bar([i - w / 2 for i in x], d.a_exports / div, w, color=COLORS["a"], label=f"{a} reports exports to {b}")
    ax.bar([i + w / 2 for i in x], d.b_imports_fob / div, w, color=COLORS["b"],
           label=f"{b} reports imports from {a} (/ CIF-FOB {r.params['cif_fob']:g})")
    for i, (top, g) in enumerate(zip(d[["a_exports", "b_imports_fob"]].max(axis=1), d.gap_pct_of_exports)):
        ax.text(i, top / div, f"{g:+.0f}%", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(x), labels, rotation=45 if len(d) > 8 else 0, fontsize=8)
    ax.set_ylabel(f"{r.params['currency']} {word}")
    ax.legend(fontsize=8, loc="upper left")


def _diversion(ax, r: Result) -> None:
    d = r.tables["index"]
    for (leg, group), g in d.groupby(["leg", "group"]):
        xs = g.year if g.month.isna().all() else g.year + (g.month - 1) / 12
        ax.plot(xs, g["index"], marker="o", label=f"{leg} ({group})")
    ax.axhline(100, color="grey", lw=0.8, ls="--")
    ax.set_ylabel(f"index, baseline {r.params['baseline']} = 100")
    annual = d.month.isna().all()
    # Annual points sit on the year tick, so shade from halfway to 2022.
    start = 2021.5 if annual else 2022 + 1 / 12
    ax.axvspan(start, ax.get_xlim()[1], color="#fee0d2", alpha=0.35,
               label="2022 onward" if annual else "after 24 Feb 2022")
    ax.legend(fontsize=8, loc="upper left")


def _dates(df: pd.DataFrame) -> pd.Series:
    return pd.to_datetime({"year": df.year.astype(int), "month": df.month.astype(int), "day": 1})


def _anomalies(ax, r: Result) -> None:
    s, f = r.tables["series"], r.tables["flags"]
    keys = (f.groupby(["partner", "hs_code"]).size().sort_values(ascending=False).head(5).index
            if not f.empty else s.groupby(["partner", "hs_code"]).value.sum().nlargest(3).index)
    div, word = _scale(s.value)
    for partner, code in keys:
        g = s[(s.partner == partner) & (s.hs_code == code)]
        line, = ax.plot(_dates(g), g.value / div, lw=1.2, label=f"{partner} {code}")
        hit = g[g.flag.notna()]
        ax.scatter(_dates(hit), hit.value / div, color=line.get_color(), s=28, zorder=3)
    ax.set_ylabel(f"{r.params['currency']} {word} per month")
    ax.legend(fontsize=8, loc="upper left", title="dots = flagged months", title_fontsize=8)


# ---------------------------------------------------------------- Vega-Lite
def vega_spec(r: Result) -> dict:
    base = {"$schema": "https://vega.github.io/schema/vega-lite/v5.json", "width": 640, "height": 300,
            "title": r.title}
    if r.kind == "change":
        s = r.tables["series"]
        return {**base, "data": {"values": _records(s[["period", "value", "in"]])},
                "mark": "bar",
                "encoding": {"x": {"field": "period", "type": "ordinal", "sort": None},
                             "y": {"field": "value", "type": "quantitative", "title": r.params["currency"]},
                             "color": {"field": "in", "type": "nominal", "title": "compared",
                                       "scale": {"domain": ["base", "period", ""],
                                                 "range": [COLORS["base"], COLORS["period"], "#bdbdbd"]}},
                             "tooltip": [{"field": "period"}, {"field": "value", "format": ",.0f"}]}}
    if r.kind == "mirror":
        d = r.tables["mirror"].dropna(subset=["a_exports", "b_imports_fob"])
        long = pd.concat([
            pd.DataFrame({"year": d.year.astype(str), "side": f"{d.a.iloc[0]} exports", "value": d.a_exports,
                          "gap_pct": d.gap_pct_of_exports}),
            pd.DataFrame({"year": d.year.astype(str), "side": f"{d.b.iloc[0]} imports (FOB-adj.)",
                          "value": d.b_imports_fob, "gap_pct": d.gap_pct_of_exports}),
        ])
        return {**base, "data": {"values": _records(long)}, "mark": "bar",
                "encoding": {"x": {"field": "year", "type": "ordinal"},
                             "xOffset": {"field": "side"},
                             "y": {"field": "value", "type": "quantitative", "title": r.params["currency"]},
                             "color": {"field": "side", "type": "nominal"},
                             "tooltip": [{"field": "year"}, {"field": "side"},
                                         {"field": "value", "format": ",.0f"},
                                         {"field": "gap_pct", "format": ".1f", "title": "gap % of exports"}]}}
    if r.kind == "diversion":
        d = r.tables["index"].copy()
        d["series"] = d.leg + " (" + d.group + ")"
        d["t"] = [f"{y}" if pd.isna(m) else f"{y}-{int(m):02d}" for y, m in zip(d.year, d.month)]
        return {**base, "data": {"values": _records(d[["t", "series", "index", "value"]])},
                "layer": [
                    {"mark": {"type": "line", "point": True},
                     "encoding": {"x": {"field": "t", "type": "ordinal", "title": None},
                                  "y": {"field": "index", "type": "quantitative",
                                        "title": f"baseline {r.params['baseline']} = 100"},
                                  "color": {"field": "series", "type": "nominal"},
                                  "tooltip": [{"field": "series"}, {"field": "t"},
                                              {"field": "index", "format": ".0f"}]}},
                    {"mark": {"type": "rule", "strokeDash": [4, 4], "color": "grey"},
                     "encoding": {"y": {"datum": 100}}},
                ]}
    if r.kind == "anomalies":
        s = r.tables["series"].copy()
        s["t"] = [f"{y}-{int(m):02d}" for y, m in zip(s.year, s.month)]
        s["key"] = s.partner + " " + s.hs_code
        s["flag"] = s.flag.fillna("")
        return {**base, "data": {"values": _records(s[["t", "key", "value", "flag", "robust_z"]])},
                "layer": [
                    {"mark": "line", "encoding": {"x": {"field": "t", "type": "temporal"},
                                                  "y": {"field": "value", "type": "quantitative"},
                                                  "color": {"field": "key", "type": "nominal"}}},
                    {"transform": [{"filter": "datum.flag != ''"}], "mark": {"type": "point", "filled": True},
                     "encoding": {"x": {"field": "t", "type": "temporal"},
                                  "y": {"field": "value", "type": "quantitative"},
                                  "color": {"field": "key", "type": "nominal"},
                                  "tooltip": [{"field": "key"}, {"field": "t"}, {"field": "flag"},
                                              {"field": "robust_z", "format": ".1f"}]}},
                ]}
    raise ValueError(f"no chart for {r.kind}")


def _records(df: pd.DataFrame) -> list[dict]:
    out = []
    for rec in df.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and math.isnan(v) else
                        v.item() if hasattr(v, "item") else v) for k, v in rec.items()})
    return out


VEGA_LITE = "5.21"  # the specs above are Vega-Lite v5

CDN = """<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>
<script src="https://cdn.jsdelivr.net/npm/vega-lite@5"></script>
<script src="https://cdn.jsdelivr.net/npm/vega-embed@6"></script>"""

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{title}</title>
{vega}
<style>body{{font-family:sans-serif;max-width:980px;margin:2em auto}} table{{border-collapse:collapse;font-size:12px}}
td,th{{border:1px solid #ddd;padding:2px 6px;text-align:right}} .about{{color:#666;font-size:12px}}</style></head>
<body><h1>kordon trade report</h1>{sections}
<p class="about">{about}</p>
<script>{scripts}</script></body></html>"""


def _inline(js: str) -> str:
    # A literal "</script" inside the code or data would end the tag early.
    return js.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")


@lru_cache(maxsize=1)
def vega_scripts() -> tuple[str, str, bool]:
    """(script tags, note for the page, offline?). The bundle (about 0.9 MB) is
    built once per process; it takes a few seconds."""
    try:
        import vl_convert as vlc
    except ImportError:
        return (CDN, "Charts load Vega from a public CDN and need internet to show; install the "
                     "'trade' extra (vl-convert-python) for a report that works offline.", False)
    bundle = vlc.javascript_bundle(vl_version=VEGA_LITE)  # type: ignore[call-arg]  # the stub makes the optional snippet required
    return (f"<script>{_inline(bundle)}</script>",
            f"Vega {vlc.get_vega_version()}, Vega-Lite {VEGA_LITE} and vega-embed {vlc.get_vega_embed_version()} "
            "are inside this file (from vl-convert-python); it needs no network.", True)


def html_report(results: list[Result], path: str | Path, offline: bool = True) -> Path:
    sections, scripts = [], []
    for i, r in enumerate(results):
        tables = "".join(f"<h3>{html.escape(name)}</h3>" + df.head(50).to_html(index=False, float_format=lambda v: f"{v:,.2f}")
                         for name, df in r.tables.items() if name != "series")
        notes = "".join(f"<li>{html.escape(n)}</li>" for n in r.notes)
        sections.append(f"<h2>{html.escape(r.title)}</h2><div id='v{i}'></div><ul>{notes}</ul>{tables}")
        scripts.append(f"vegaEmbed('#v{i}', {_inline(json.dumps(vega_spec(r)))});")
    vega, about, _ = vega_scripts() if offline else (CDN, "Charts load Vega from a public CDN.", False)
    path = Path(path)
    path.write_text(PAGE.format(title="kordon trade report", sections="\n".join(sections), vega=vega,
                                about=html.escape(about), scripts="\n".join(scripts)), encoding="utf-8")
    return path
