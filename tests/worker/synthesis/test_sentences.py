"""Sentence splitting per language: cases written as a careful reader splits them (`|` marks
each sentence end), tricky kinds first (abbreviations, ordinals, dialogue tags, lower-case
continuations), then properties of the spans."""

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from worker.synthesis.sentences import boundaries, sentence_ends, sentence_spans
from worker.synthesis.text import normalize_text

CASES: dict[str, list[str]] = {
    "en": [
        "Mr. Smith met Dr. Jones on St. James Street.| They talked.",
        '"Stop!" cried Ana.| Nobody moved.',
        'He said "wait." and left.| The door shut.',
        '"Stop!" Ana cried.| Nobody moved.',
        "We bought apples, pears, etc.| Then we went home.",
        "It happened at 5 p.m. on Friday.| Nobody saw it.",
        "J. R. R. Tolkien wrote it in the U.K. in 1937.| It sold well.",
        "So did I.| Then we left.",
        "Room No. 5 was empty.| Was it?| Yes!",
        '"Why?" asked Bob.| "Because," she said.',
        "Well... maybe not.| Who knows?",
        "Prof. Lee, e.g. in his book, disagrees.| I agree.",
        '"No."| Then she left.',
        "“Run!” Tom shouted.| They ran.",
        "Mrs. Dalloway said she would buy the flowers herself.| It was June.",
        '"Help!" the boy shouted.| His mother ran out.',
        "They met at 10 a.m. and talked for hours.| Then they parted.",
        '"Are you sure?" Maria asked.| He nodded.',
        "Capt. Hook and Lt. Smee sailed on.| The sea was calm.",
        'She whispered, "It\'s over..." and turned away.| Silence fell.',
    ],
    "de": [
        "Am 14. Juli kam Hr. Müller.| Er blieb lange.",
        "Das ist z. B. Berlin.| Oder München.",
        "Der 3. Mann kam zu spät.| Alle warteten.",
        "Er war 14.| Jetzt ist er 20.",
        "Wir kauften Äpfel, Birnen usw.| Dann gingen wir heim.",
        "Karl V. war Kaiser.| Er regierte lange.",
        "Fr. Schmidt bzw. Dr. Weber kommt morgen.| Wer weiß?",
        "Sie wohnt in Nr. 5.| Das Haus ist alt.",
        "„Halt!“, rief Anna.| Niemand bewegte sich.",
        "„Komm her!“ rief sie.| Er kam.",
        "Im 19. Jh. wuchs die Stadt.| Heute ist sie groß.",
        "Das geschah am 1. Mai 2020.| Es war sonnig.",
        "Hr. Schulz wohnt im 3. Stock.| Er ist nett.",
        "Es kamen u. a. Peter und Paul.| Alle waren froh.",
        "Am 3. Oktober ist Feiertag.| Die Läden sind zu.",
        "„Wer da?“, fragte der Wächter.| Keiner antwortete.",
        "Vgl. dazu Kap. 4.| Dort steht mehr.",
        "Sie kam ca. 20 Min. zu spät.| Er wartete.",
    ],
    "fr": [
        "M. Dupont est venu.| Il est reparti.",
        "Mme Martin et Mlle Roux sont là.| Entrez.",
        "Il y avait des pommes, des poires, etc.| Puis nous sommes partis.",
        "« Arrête ! » cria Ana.| Personne ne bougea.",
        "On voit p. ex. Lyon.| C'est beau.",
        "Le Dr Martin arrive.| Attendez-le !| Il sera là bientôt.",
        "Qu'as-tu dit ?| Rien.",
        "« Viens ! » dit-elle.| Il vint.",
        "Je t'attends... viens vite.| Il faut partir.",
        "Il y a par ex. Paris.| Et Lyon.",
        "Mme Dubois habite au 2e étage.| Elle est gentille.",
        "« Qui est là ? » demanda le garde.| Personne ne répondit.",
        "M. et Mme Leroy sont arrivés.| Le dîner commença.",
        "Il faut voir, c.-à-d. Marseille.| C'est loin.",
        "Il a acheté du pain, du vin, etc.| Ensuite il est rentré.",
        "Vraiment ?| Oui, vraiment.",
    ],
    "es": [
        "El Sr. García llegó tarde.| Nadie dijo nada.",
        "La Sra. López y la Dra. Ruiz hablaron.| Luego se fueron.",
        "Hay ciudades bonitas, p. ej. Madrid.| También Sevilla.",
        "—¡Para! —gritó Ana.| Nadie se movió.",
        "¿Vienes?| Sí, claro.",
        "Compramos pan, leche, etc.| Después volvimos.",
        "Vive en la Avda. Libertad.| Es una calle larga.",
        "«¡Quieto!» gritó el guardia.| El ladrón se detuvo.",
        "Ud. tiene razón.| Lo siento.",
        "El Dr. Pérez atendió al paciente.| Todo salió bien.",
        "—¿Quién es? —preguntó la niña.| Nadie contestó.",
        "Vivimos en la Pza. Mayor.| Es muy bonita.",
        "Trajo frutas: manzanas, peras, etc.| Luego se sentó.",
        "La Srta. Gómez llegó temprano.| Abrió la tienda.",
        "¡Qué sorpresa!| No lo esperaba.",
    ],
    "it": [
        "Il Sig. Rossi è arrivato.| Era stanco.",
        "La Sig.ra Verdi e il Dott. Bianchi parlano.| Poi escono.",
        "Abbiamo comprato pane, latte, ecc.| Poi siamo tornati.",
        "«Fermati!» gridò Anna.| Nessuno si mosse.",
        "Vieni anche tu?| Certo.",
        "Il Prof. Neri insegna a Roma.| È bravo.",
        "Ci sono molte città, p. es. Firenze.| Anche Napoli.",
        "«Basta!» Anna gridò.| Tutti tacquero.",
        "L'Ing. Galli è partito.| Tornerà domani.",
        "Il Dott. Ferri visitò il paziente.| Stava meglio.",
        "«Chi è?» chiese la bambina.| Nessuno rispose.",
        "Comprò mele, pere ecc.| Poi tornò a casa.",
        "La Sig.na Conti arrivò presto.| Aprì il negozio.",
        "Che sorpresa!| Non me l'aspettavo.",
        "L'Avv. Russo parlò a lungo.| Tutti ascoltavano.",
    ],
    "pt": [
        "O Sr. Silva chegou.| Estava cansado.",
        "A Sra. Costa e a Dra. Sousa falaram.| Depois saíram.",
        "Compramos pão, leite, etc.| Depois voltamos.",
        "— Pare! — gritou Ana.| Ninguém se mexeu.",
        "Vens também?| Claro.",
        "Há cidades bonitas, p. ex. Lisboa.| Também o Porto.",
        "Mora na Av. Brasil.| É uma rua longa.",
        "O Prof. Mendes ensina no Porto.| É muito bom.",
        "«Socorro!» gritou ela.| Ninguém veio.",
        "O Dr. Almeida atendeu o doente.| Correu tudo bem.",
        "— Quem é? — perguntou a menina.| Ninguém respondeu.",
        "Trouxe frutas: maçãs, peras, etc.| Depois sentou-se.",
        "A Sra. D. Maria chegou cedo.| Abriu a loja.",
        "Que surpresa!| Não esperava.",
        "O Eng. Costa falou muito.| Todos ouviram.",
    ],
    "ru": [
        "Он пришёл, т. е. Иван пришёл.| Все обрадовались.",
        "Это было в 1990 г.| Потом всё изменилось.",
        "Он живёт в г. Москва.| Там холодно.",
        "Мы купили хлеб, молоко и т. д.| Потом пошли домой.",
        "«Стой!» — крикнула Анна.| Никто не двинулся.",
        "— Куда ты? — спросил он.| Она молчала.",
        "Ул. Ленина длинная.| Там много домов.",
        "А. С. Пушкин родился в Москве.| Он был поэтом.",
        "Там были яблоки, груши и т. п.| Всё было вкусно.",
        "Проф. Иванов читает лекцию.| Студенты слушают.",
        "Д-р Петров осмотрел больного.| Всё обошлось.",
        "— Кто там? — спросила девочка.| Никто не ответил.",
        "Это случилось в 1812 г. под Москвой.| Все помнят.",
        "Он купил яблоки, груши и др.| Потом ушёл.",
        "См. гл. 5.| Там всё объяснено.",
        "Какой сюрприз!| Я не ожидал.",
    ],
    "nl": [
        "Dhr. Jansen kwam binnen.| Hij was moe.",
        "Mevr. de Vries en dr. Bakker praten.| Daarna gaan ze weg.",
        "We kochten appels, peren enz.| Daarna gingen we naar huis.",
        "Er zijn mooie steden, bijv. Utrecht.| Ook Leiden.",
        "'Stop!' riep Anna.| Niemand bewoog.",
        "Kom je ook?| Natuurlijk.",
        "Prof. Smit geeft les.| Hij is goed.",
        "Het huis staat op nr. 5.| Het is oud.",
        "Hij komt, d.w.z. Piet komt.| Fijn.",
        "Dr. de Boer onderzocht de patiënt.| Alles ging goed.",
        "'Wie is daar?' vroeg het meisje.| Niemand antwoordde.",
        "Hij kocht appels, peren e.d.| Toen ging hij naar huis.",
        "Mevr. Visser kwam vroeg.| Ze opende de winkel.",
        "Wat een verrassing!| Dat had ik niet verwacht.",
        "Het was o.a. Jan die kwam.| Hij bleef lang.",
    ],
    "pl": [
        "Np. Kraków jest piękny.| Warszawa też.",
        "To było w 1990 r.| Potem wszystko się zmieniło.",
        "Mieszka przy ul. Długiej.| To ładna ulica.",
        "Kupiliśmy chleb, mleko itd.| Potem wróciliśmy.",
        "Prof. Nowak i dr Kowalski rozmawiają.| Potem wychodzą.",
        "„Stój!” — krzyknęła Anna.| Nikt się nie ruszył.",
        "Przyjdziesz?| Oczywiście.",
        "To było w XIX w.| Potem przyszła wojna.",
        "Ks. Jan i św. Piotr to patroni.| Kościół jest stary.",
        "Jest tam ok. 5 osób.| Czekają.",
        "Dr Nowak zbadał pacjenta.| Wszystko poszło dobrze.",
        "— Kto tam? — zapytała dziewczynka.| Nikt nie odpowiedział.",
        "Kupił jabłka, gruszki itp.| Potem wrócił do domu.",
        "Mieszka na ul. Polnej 3.| To blisko.",
        "Co za niespodzianka!| Nie spodziewałem się.",
        "Było to tzw. Złote Miasto.| Wszyscy je znali.",
    ],
    "zh": [
        "老和尚住在山上。|他每天都去打水！|小和尚问为什么？",
        "他说：“好的。”|然后走了。",
        "我很好。|你呢？",
        "你去哪儿？|我去学校。",
        "天黑了。|他回家了！",
    ],
    "ja": [
        "「止まれ！」と叫んだ。|誰も動かなかった。",
        "昔々、ある村に住んでいました。|ある日、山へ行きました。",
        "本当？|はい。",
        "「どこへ行くの？」って聞いた。|答えはなかった。",
        "雨が降った。|寒かった！",
    ],
    "hi": [
        "एक गाँव में एक किसान रहता था।| वह बहुत मेहनती था।",
        "क्या तुम आओगे?| हाँ।",
        "डॉ. शर्मा आए।| वे खुश थे।",
        "तुम कहाँ जा रहे हो?| मैं स्कूल जा रहा हूँ।",
        "बारिश हुई।| ठंड थी।",
    ],
    "ar": [
        "هل رأيت القمر الليلة؟| كان جميلا جدا.",
        "ذهب إلى السوق.| اشترى خبزا.",
        "ما اسمك؟| اسمي علي.",
        "أين تذهب؟| أنا ذاهب إلى المدرسة.",
        "أمطرت السماء.| كان الجو باردا.",
    ],
    "el": [
        "Τι κάνεις;| Καλά.",
        "Ο κ. Παπαδόπουλος ήρθε.| Ήταν κουρασμένος.",
        "Αγοράσαμε ψωμί, γάλα κλπ.| Μετά φύγαμε.",
        "Ήρθαν πολλοί, π.χ. ο Νίκος.| Όλοι χάρηκαν.",
        "Πού πας;| Στο σχολείο.",
        "Ο Δρ. Νικολάου ήρθε.| Όλοι χάρηκαν.",
    ],
    "tr": [
        "III. Selim tahta çıktı.| Uzun süre hüküm sürdü.",
        "Dr. Ali 3. kata çıktı.| Orada bekledi.",
        "Elma, armut vb.| Sonra eve döndük.",
        "Örn. Ankara büyük bir şehir.| İstanbul da öyle.",
        "Geliyor musun?| Evet.",
        "Nereye gidiyorsun?| Okula.",
        "Prof. Dr. Yılmaz geldi.| Herkes sevindi.",
    ],
}
PARAMS = [
    pytest.param(language, case, id=f"{language}-{number}")
    for language, cases in CASES.items()
    for number, case in enumerate(cases, start=1)
]


def split(text: str, language: str) -> list[str]:
    return [" ".join(text[start:end].split()) for start, end in sentence_spans(text, language)]


@pytest.mark.parametrize(("language", "case"), PARAMS)
def test_sentences_end_where_a_reader_ends_them(language: str, case: str) -> None:
    expected = [" ".join(part.split()) for part in case.split("|")]
    assert split(case.replace("|", ""), language) == expected


@pytest.mark.parametrize(("language", "case"), PARAMS)
def test_normalized_text_splits_the_same(language: str, case: str) -> None:
    """Chunking sees normalized text: straight quotes, spaced dashes, NFKC marks."""
    expected = [" ".join(normalize_text(part).split()) for part in case.split("|")]
    assert split(normalize_text(case.replace("|", "")), language) == expected


def test_a_region_or_an_unknown_language_still_splits() -> None:
    assert split("Das ist z. B. Berlin. Oder Wien.", "de-AT") == [
        "Das ist z. B. Berlin.",
        "Oder Wien.",
    ]
    assert split("One here. Two there.", "xx") == ["One here.", "Two there."]


def test_a_paragraph_break_always_ends_a_sentence() -> None:
    text = "Er kam am 14.\n\nund blieb."
    assert sentence_ends(text, "de") == [len("Er kam am 14.\n\n")]


def test_a_continued_exclamation_is_a_pause_not_an_end() -> None:
    text = '"Stop!" cried Ana. Nobody moved.'
    ends, pauses = boundaries(text, "en")
    assert ends == [len('"Stop!" cried Ana. ')]
    assert pauses == [len('"Stop!" ')]


def test_an_abbreviation_is_not_even_a_pause() -> None:
    assert boundaries("He came with Dr. Jones, e.g. to talk.", "en") == ([], [])


def test_empty_text_has_no_spans() -> None:
    assert sentence_spans("", "en") == []
    assert sentence_spans("   ", "en") == [(0, 3)]


LANGUAGES = st.sampled_from([*sorted(CASES), "en-GB", "sw", "ko", "he"])
PIECES = st.sampled_from(
    [
        "Mr.", "z. B.", "т. е.", "14.", "Hr.", "the", "Ana", "cried", "!", "?", ".", "...",
        '"', "'", "«", "»", "—", "-", "。", "！", "」と", "।", "؟", "\n", "\n\n", " ", "  ",
        "Stop", "etc.", "usw.", "г.", "V.", "p. ex.", "老和尚", "किसान", "القمر", "Καλά;",
    ]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(pieces=st.lists(PIECES, max_size=60), language=LANGUAGES)
def test_spans_cover_the_text_exactly_with_no_empty_span(pieces: list[str], language: str) -> None:
    text = " ".join(pieces)
    spans = sentence_spans(text, language)
    assert "".join(text[start:end] for start, end in spans) == text
    assert all(end > start for start, end in spans)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(spans))
    if text:
        assert spans[0][0] == 0
        assert spans[-1][1] == len(text)


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=300), language=LANGUAGES)
def test_any_text_is_covered(text: str, language: str) -> None:
    spans = sentence_spans(text, language)
    assert "".join(text[start:end] for start, end in spans) == text
    assert all(end > start for start, end in spans)
