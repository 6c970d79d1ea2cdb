"""Sentence rules as data, per language (ISO 639-1 code): abbreviations, ordinal cues and the
verbs of dialogue tags. Read by `sentences.py`.

Abbreviations are written with their inner dots (`z.B` also matches `z. B.`), the final dot
implied; an entry starting with a lower-case letter also matches with a capital. Prefixes:
- none: never ends a sentence (`z. B.`, `Sra.`, `т. е.`);
- `+`: may end one, before a capital (`usw. Dann`, `etc. Puis`);
- `#`: may end one after a number (`в 1990 г. Потом`), never elsewhere (`г. Москва`);
- `0`: an abbreviation only before a number (`No. 5`), a word elsewhere (`"No." Then`);
- `~`: may end one where sentencex says so (it knows `the U.S. Army` from `the U.S. Then`).
"""

from __future__ import annotations

COMMON_ABBREVIATIONS = "Dr Prof"

ABBREVIATIONS: dict[str, str] = {
    "en": (
        "Mr Mrs Ms Mx Messrs Mme Mlle Dr Prof St Mt Ft Capt Col Gen Lt Sgt Cpl Maj Adm Cmdr "
        "Rev Gov Sen Rep Hon Pres Supt Insp Fr e.g i.e viz cf vs approx dept est p pp "
        "~Jr ~Sr ~Ave ~Rd ~Blvd ~etc ~a.m ~p.m ~U.S ~U.K ~U.N ~Inc ~Ltd ~Co ~Corp ~Bros ~al "
        "0No 0Nos 0Vol 0Fig 0Jan 0Feb 0Mar 0Apr 0Jun 0Jul 0Aug 0Sep 0Sept 0Oct 0Nov 0Dec"
    ),
    "de": (
        "z.B d.h bzw vgl Nr Hr Hrn Fr Frl Dr Prof Dipl Ing ca ggf evtl inkl exkl bspw sog "
        "Abs Bd Kap Tel St u.U z.T i.d.R m.E o.g s.o s.u Mo Di Mi Do Sa So "
        "u.a +usw +etc +u.ä +o.ä +Str #Jh #Jhd #Mio #Mrd #Tsd #v.Chr #n.Chr"
    ),
    "fr": (
        "M MM Mme Mmes Mlle Mlles Mgr Pr Me St Ste p.ex ex c.-à-d cf env vol chap art av bd "
        "p +etc +J.-C +Cie"
    ),
    "es": (
        "Sr Sra Srta Sres Sras Dra Lic Ing Arq D Dña Ud Uds Vd Vds Excmo Excma Ilmo Ilma "
        "Av Avda Pza Sto Sta p.ej pág núm cap vol aprox +etc +EE.UU +S.A +Cía #a.C #d.C"
    ),
    "it": (
        "Sig Sigg Sig.ra Sig.na Dott Dott.ssa Prof.ssa Ing Avv Arch Geom Rag On Mons Egr Gent "
        "S p.es es pag cap vol ca n +ecc +etc +S.p.A +S.r.l #a.C #d.C"
    ),
    "pt": (
        "Sr Sra Srta Sres Dra Profa Exmo Exma Ilmo Ilma Eng Arq Av Pe D Dna Sto Sta p.ex pág "
        "cap vol +etc +Lda +S.A #a.C #d.C"
    ),
    "nl": (
        "dhr mevr mw mr dr prof ir ing drs ds bijv d.w.z o.a m.b.t i.p.v t.a.v n.a.v m.a.w "
        "nr blz ca +enz +etc +e.d +N.V +B.V"
    ),
    "pl": (
        "np tzn tj m.in ul al pl os nr dr prof inż mgr hab doc św ks gen płk im wg tzw zob "
        "ww 0ok 0godz +itd +itp +in #r #w #tys #mln #mld #zł #p.n.e #n.e"
    ),
    "ru": (
        "т.е т.к т.н напр см ср ул просп пер пл д кв корп стр рис им акад проф доц св ст гл "
        "пр 0ок +т.д +т.п +др #г #гг #в #вв #тыс #млн #млрд #руб #коп #н.э"
    ),
    "hi": "डॉ प्रो",
    "el": "κ κα π.χ δηλ Δρ καθ +κλπ +κ.λπ +κτλ +κ.τ.λ #π.Χ #μ.Χ",
    "tr": "Av Yrd Doç Örn bkz Sn Müh Öğr Gör +vb +vs +vd #M.Ö #M.S",
    "sv": "t.ex bl.a dvs s.k ca nr resp +osv +etc +m.fl +m.m",
    "da": "f.eks bl.a dvs s.k ca nr hr +osv +etc +m.fl +mv",
    "no": "f.eks bl.a dvs s.k ca nr hr +osv +etc +m.fl +mv",
    "nb": "f.eks bl.a dvs s.k ca nr hr +osv +etc +m.fl +mv",
    "fi": "esim ks mm n tri +jne +yms +ym",
    "ms": "En Pn Tn Cik Dato spt +dll +dsb",
    "sw": "k.m Bw Bi Dkt +n.k",
}

# Single capitals that are words, not initials (`So did I. Then`).
NOT_INITIALS: dict[str, str] = {"en": "I"}

# Languages that write ordinals with a dot (`14. Juli`, `Karl V.`, `III. Selim`).
DOTTED_ORDINALS = frozenset(
    {"de", "da", "no", "nb", "nn", "fi", "tr", "pl", "cs", "sk", "hu", "sl", "hr", "sr", "is"}
)

# A number of one to three digits with a dot is an ordinal after one of the first words or
# before one of the second (compared in lower case): `am 14. Juli`, `der 3. Mann`.
ORDINAL_CUES: dict[str, tuple[str, str]] = {
    "de": (
        "am im vom zum zur beim der die das dem den des ein eine einem einen einer "
        "eines jede jeder jedem jeden sein seine seinem seinen seiner ihr ihre ihrem "
        "ihren ihrer unser unsere unserem mein meine meinem dein deine deinem dieser diese "
        "diesem diesen",
        "januar jänner februar märz april mai juni juli august september oktober november "
        "dezember jahrhundert jahrtausend geburtstag jahrestag stock stockwerk platz mal "
        "kapitel klasse liga runde",
    ),
}

# Verbs of a dialogue tag that may follow an exclamation or question with its subject first:
# `"Stop!" Ana cried.` (a tag that starts with its verb starts lower-case, a case of its own).
TAG_VERBS: dict[str, str] = {
    "en": (
        "said says cried asked shouted whispered called replied answered yelled screamed "
        "muttered exclaimed murmured added snapped gasped laughed sighed begged pleaded "
        "insisted demanded growled hissed roared breathed stammered wondered"
    ),
    "it": "disse gridò chiese esclamò rispose urlò sussurrò",
    "pt": "disse gritou perguntou exclamou respondeu sussurrou",
    "es": "dijo gritó preguntó exclamó respondió susurró",
}
