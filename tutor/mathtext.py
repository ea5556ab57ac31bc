"""Simple LaTeX to readable Unicode, for the ``$...$`` math in lesson text.

    to_unicode(r"\\sigma(x) = \\frac{1}{1 + e^{-x}}")   # -> "σ(x) = 1 / (1 + e⁻ˣ)"
    to_unicode(r"\\sum_i w_i x_i")                      # -> "∑ᵢ wᵢ xᵢ"
    replace_math("the sigmoid $\\sigma(x)$")            # -> "the sigmoid σ(x)"

Covers what lessons use: Greek letters, fractions, sums, sub- and superscripts, common operators.
Anything unknown is kept readable rather than dropped.
"""

from __future__ import annotations

import re

SYMBOLS = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
    "sum": "∑",
    "prod": "∏",
    "int": "∫",
    "cdot": "·",
    "times": "×",
    "div": "÷",
    "pm": "±",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "approx": "≈",
    "infty": "∞",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "in": "∈",
    "partial": "∂",
    "ell": "ℓ",
    "nabla": "∇",
    "dots": "…",
    "ldots": "…",
    "cdots": "⋯",
    "vdots": "⋮",
    "quad": "  ",
    "qquad": "    ",
    "exp": "exp",
    "log": "log",
    "ln": "ln",
    "max": "max",
    "min": "min",
    "tanh": "tanh",
    "sin": "sin",
    "cos": "cos",
    "mid": "|",
    "lbrace": "{",
    "rbrace": "}",
}

SUPERSCRIPTS = str.maketrans(
    "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWTn",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵀⁿ",
)
SUBSCRIPTS = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_SUPER_OK = set("0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW")
_SUB_OK = set("0123456789+-=()aehijklmnoprstuvx")

# Inline math may wrap onto the next line, as prose in a lesson's text does, but never runs
# over a blank line: `$5 ... $10` in two paragraphs stays text.
_MATH = re.compile(
    r"\$\$(.+?)\$\$|(?<![\\$\w])\$(?!\s)((?:[^$\n]|\n(?![ \t]*\n))+?)(?<!\s)\$(?![\w$])", re.S
)


def replace_math(text: str) -> str:
    """Replace each ``$...$`` and ``$$...$$`` in Markdown text with its Unicode reading."""
    return _MATH.sub(lambda m: to_unicode(m.group(1) or m.group(2)), text)


def to_unicode(tex: str) -> str:
    text = tex.strip()
    text = re.sub(r"\\(left|right|big|Big|bigg|Bigg)(?![a-zA-Z])", "", text)
    text = re.sub(r"\\(mathbf|mathrm|mathit|text|textbf|operatorname|boldsymbol)\s*", "", text)
    text = re.sub(r"\\hat\s*\{?(\w)\}?", "\\1\u0302", text)
    text = re.sub(r"\\vec\s*\{?(\w)\}?", "\\1\u20d7", text)
    text = re.sub(r"\\[,;:! ]", " ", text)
    # `\partial \ell` (or `\partial^2 y`) reads as one symbol, ∂ℓ: joined, a fraction of two
    # such needs no brackets
    text = re.sub(r"\\partial(\^\{?\w+\}?)?\s+(?=[\\\w])", r"\\partial\1{}", text)
    text = _fractions(text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: SYMBOLS.get(m.group(1), m.group(1)), text)
    text = _scripts(text, "^", SUPERSCRIPTS, _SUPER_OK)
    text = _scripts(text, "_", SUBSCRIPTS, _SUB_OK)
    text = text.replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def _group(text: str, start: int) -> tuple[str, int]:
    """The braced group (or single character) at ``start``; returns (content, end index)."""
    if start < len(text) and text[start] == "{":
        depth = 0
        for index in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            if depth == 0:
                return text[start + 1 : index], index + 1
        return text[start + 1 :], len(text)
    if start < len(text) and text[start] == "\\":
        match = re.match(r"\\[A-Za-z]+", text[start:])
        if match:
            return match.group(0), start + match.end()
    return text[start : start + 1], start + 1


def _fractions(text: str) -> str:
    while (index := _find_command(text, ("frac", "cfrac", "dfrac", "tfrac"))) >= 0:
        after = text.index("{", index) if "{" in text[index:] else len(text)
        numerator, middle = _group(text, after)
        denominator, end = _group(text, middle)
        text = text[:index] + f"{_wrap(numerator)} / {_wrap(denominator)}" + text[end:]
    return text


def _find_command(text: str, names: tuple[str, ...]) -> int:
    found = [m.start() for n in names for m in re.finditer(rf"\\{n}(?![a-zA-Z])", text)]
    return min(found) if found else -1


def _wrap(part: str) -> str:
    part = _fractions(part).strip()
    simple = re.fullmatch(r"[\w.\\^{}]+|\\[A-Za-z]+\{?\w*\}?", part)
    return part if simple else f"({part})"


def _scripts(text: str, marker: str, table: dict[int, int], allowed: set[str]) -> str:
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char != marker:
            out.append(char)
            index += 1
            continue
        content, index = _group(text, index + 1)
        content = content.replace(" ", "")
        if content and all(c in allowed for c in content):
            out.append(content.translate(table))
        else:
            out.append(f"{marker}({content})" if len(content) > 1 else f"{marker}{content}")
    return "".join(out)
