"""Advice on spectral balance: bright, dull, boomy, thin, muddy, harsh."""

from __future__ import annotations

from mixcoach.feedback import numbers as n
from mixcoach.feedback.advice import base as h
from mixcoach.feedback.advice.base import Advice, Composer, Context
from mixcoach.feedback.moves import NARROW_Q, cap_words, eq_words
from mixcoach.findings.model import Finding
from mixcoach.findings.spectral import MISSING_DB, deviation_code, excess_db


def _spectral(
    *, title: str, issue: str, excess: bool, mix_steps: list[str], master_hint: str, why: str
) -> Composer:
    """A composer for a band-balance finding: quotes the flagged bands and their EQ moves."""

    def compose(f: Finding, ctx: Context) -> Advice:
        moves = h.eq_moves(ctx, f.code)
        flagged = [d for d in ctx.analysis.spectrum.deviations if deviation_code(d) == f.code]
        adjective = title.lower() if title.startswith("Too") else f"too {title.lower()}"
        verb = "cut" if excess else "lift"
        capped = ""  # why the plan's move is smaller than the measured gap, when it is
        if flagged:
            worst = max(flagged, key=lambda d: abs(d.amount_db))
            way = "above" if excess else "below"
            listed = "; ".join(
                f"{n.amount_db(d.amount_db)} {way} it around {n.hz(d.peak_hz)} "
                f"({n.hz(d.low_hz)} to {n.hz(d.high_hz)}, where well-made tracks stay within "
                f"{n.amount_db(d.tolerance_db)})"
                for d in flagged
            )
            measured = f"Against the {ctx.genre} target curve, the track's spectrum sits {listed}."
            degree = h.degree(abs(excess_db(worst)), small=1.5, large=4.0)
            # The measured gap, then the plan's move: the two numbers differ when the plan
            # takes the gap in steps, and the words say which is which.
            summary = (
                f"The mix is {degree} {adjective}: around {n.hz(worst.peak_hz)} it sits "
                f"{n.amount_db(worst.amount_db)} {way} the {ctx.genre} target curve."
            )
            broad = [abs(m.gain_db) for m in moves if m.q < NARROW_Q]
            if broad and max(broad) < abs(worst.amount_db) - 0.05:
                capped = cap_words(ctx.kind)
        else:
            measured = h.fallback(f)
            summary = f"The mix is clearly {adjective}: {verb} that range."
        if moves:
            listed = " and ".join(eq_words(move) for move in moves)
            summary += f" The move: {listed}." + (f" {capped}" if capped else "")
        if flagged and worst.amount_db < -MISSING_DB:
            summary = (
                f"The spectrum is all but empty around {n.hz(worst.peak_hz)} "
                f"({n.amount_db(worst.amount_db)} below the target): a low-pass filter, a "
                "band-limited source or a lossy encode took it out, and no EQ brings back what "
                "is not there. Find the filter or the source first."
            )
        if ctx.kind == "mixdown":
            where = "mix bus, if sources alone do not get you there"
            steps = [*mix_steps, *h.eq_step(ctx, f.code, where=where, why=capped)]
        else:
            steps = [master_hint, *h.eq_step(ctx, f.code, where="master", why=capped)]
        genre = ctx.genre_note(f.code)
        if genre:
            steps.append(f"In {ctx.genre}: {genre}")
        settings = [f"EQ: {eq_words(move)}." for move in moves]
        return Advice(f.code, title, issue, summary, measured, why, steps, settings)

    return compose


too_bright = _spectral(
    title="Too bright",
    issue="the excess top end",
    excess=True,
    mix_steps=[
        "Turn the hi-hats, shakers and cymbals down before reaching for EQ; de-ess the vocal.",
        "Remove stacked high shelves and exciters on individual tracks.",
    ],
    master_hint="A wide high-shelf cut brings the balance back; a dynamic EQ helps when the "
    "brightness comes with the cymbals.",
    why="Too much top end is exciting for a moment and tiring after a minute, and lossy "
    "encoding makes it swirl.",
)
too_dull = _spectral(
    title="Too dull",
    issue="the dull top end",
    excess=False,
    mix_steps=[
        "Clean the low mids first: cutting mud often restores clarity without any boost.",
        "Brighten the elements that carry the top (vocal, hi-hats, overheads) rather than the "
        "whole mix.",
    ],
    master_hint="A wide high shelf opens the top; keep it gentle and listen for hiss and "
    "sibilance coming up with it.",
    why="A dull mix sounds distant and smaller than it measures, and the vocal loses its words.",
)
too_boomy = _spectral(
    title="Too boomy",
    issue="the excess low end",
    excess=True,
    mix_steps=[
        "Decide whether the kick or the bass owns the lowest octave, and carve room for the "
        "other (an EQ dip or sidechain compression).",
        "High-pass everything that does not need low end: guitars, keys, vocals, pads, reverbs.",
    ],
    master_hint="A low-shelf cut tightens the low end; a dynamic EQ controls bass notes that "
    "boom only now and then.",
    why="Excess low end swallows the kick, masks the vocal and makes the limiter pump.",
)
too_thin = _spectral(
    title="Too thin",
    issue="the missing low end",
    excess=False,
    mix_steps=[
        "Lower the high-pass filters on the bass and the kick; give the bass a sub layer if "
        "the part sits high.",
        "Check kick and bass for phase cancellation: flip one and listen for more weight.",
    ],
    master_hint="A low-shelf lift adds body; if the low end is missing rather than weak, only "
    "the mix can add it.",
    why="Without low end the mix sounds small on big systems and harsh on small ones.",
)
muddy = _spectral(
    title="Muddy",
    issue="the muddy low mids",
    excess=True,
    mix_steps=[
        "Dip the low mids on guitars, keys and pads, a little on each, rather than one big cut "
        "on the bus.",
        "High-pass reverb returns and every part that does not need the low end.",
    ],
    master_hint="A broad bell cut in the low mids cleans it up; a dynamic EQ there works when "
    "the mud builds only in the dense sections.",
    why="Low-mid build-up blurs the instruments and boxes in the vocal.",
)
harsh = _spectral(
    title="Harsh",
    issue="the harsh upper mids",
    excess=True,
    mix_steps=[
        "Find the resonances on the loudest elements with a narrow sweep and cut them where "
        "they ring; de-ess the vocal.",
        "Pull back presence boosts instead of adding cuts on top of them.",
    ],
    master_hint="A bell cut in the upper mids plus narrow cuts at the worst resonances; easing "
    "a hard-working limiter often removes part of the harshness too.",
    why="The ear is most sensitive in the upper mids: a small excess there turns aggressive and "
    "painful at volume.",
)


COMPOSERS: dict[str, Composer] = {
    "too_bright": too_bright,
    "too_dull": too_dull,
    "too_boomy": too_boomy,
    "too_thin": too_thin,
    "muddy": muddy,
    "harsh": harsh,
}
