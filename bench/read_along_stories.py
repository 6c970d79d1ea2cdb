"""The stories `bench.timings` narrates: two a language, each with short dialogue lines, long
narrative sentences with commas, and several sentences to a paragraph, so most chunks hold several
sentences. Paragraphs are separated by blank lines; a paragraph's lines are joined by spaces."""

STORIES = {
    "en": (
        """
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
        """
The train was late again. Nina sat on her suitcase at the end of the platform, where the wind was
strongest, and read the same page of her book four times without taking in a single word of it.
"Excuse me," said a voice. "Is this the train to Carlow?" "If it ever comes." The old man nodded.

He sat down beside her on a bench that was far too cold for sitting, took a paper bag of
chestnuts from his coat, and offered her one without a word. She took it. It was still warm.
They ate in silence. Somewhere a dog barked, twice, and then thought better of it.

"My daughter lives in Carlow," he said at last. "I have not seen her in eleven years." "Why not?"
"Pride. Hers and mine, mostly mine." Nina did not know what to say to that, so she said nothing,
and the train came round the bend with its lights on, as if it had heard them.
""",
    ),
    "de": (
        """
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
        """
Der Zug hatte wieder Verspätung. Nina saß auf ihrem Koffer am Ende des Bahnsteigs, wo der Wind
am stärksten war, und las dieselbe Seite ihres Buches viermal, ohne ein einziges Wort zu
verstehen. "Entschuldigung", sagte eine Stimme. "Fährt hier der Zug nach Carlow?" "Wenn er je
kommt." Der alte Mann nickte.

Er setzte sich neben sie auf eine Bank, die viel zu kalt zum Sitzen war, nahm eine Papiertüte mit
Maronen aus dem Mantel und bot ihr wortlos eine an. Sie nahm sie. Sie war noch warm. Sie aßen
schweigend. Irgendwo bellte ein Hund, zweimal, und überlegte es sich dann anders.

"Meine Tochter wohnt in Carlow", sagte er schließlich. "Ich habe sie seit elf Jahren nicht
gesehen." "Warum nicht?" "Stolz. Ihrer und meiner, vor allem meiner." Nina wusste nicht, was sie
darauf sagen sollte, also schwieg sie, und der Zug kam mit brennenden Lichtern um die Kurve.
""",
    ),
    "fr": (
        """
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
        """
Le train avait encore du retard. Nina était assise sur sa valise au bout du quai, là où le vent
soufflait le plus fort, et lisait la même page de son livre pour la quatrième fois sans en
comprendre un seul mot. « Pardon », dit une voix. « C'est bien le train pour Carlow ? » « S'il
arrive un jour. » Le vieil homme hocha la tête.

Il s'assit à côté d'elle sur un banc bien trop froid pour qu'on s'y asseye, sortit de son manteau
un sachet de châtaignes et lui en offrit une sans un mot. Elle la prit. Elle était encore chaude.
Ils mangèrent en silence. Quelque part, un chien aboya, deux fois, puis se ravisa.

« Ma fille habite à Carlow », dit-il enfin. « Je ne l'ai pas vue depuis onze ans. » « Pourquoi ? »
« L'orgueil. Le sien et le mien, surtout le mien. » Nina ne sut que répondre, alors elle se tut,
et le train surgit du virage avec tous ses feux allumés, comme s'il les avait entendus.
""",
    ),
}
