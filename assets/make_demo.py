"""Build tuifeed's bundled offline demo catalogue.

Writes ``assets/demo/catalogue.json`` (320 fake short-video items from 54
creators across 25 topics) and one 90x160 portrait JPEG per item in
``assets/demo/thumbs/`` (drawn by ``demo_motifs.py``, one motif per topic).

Everything derives from ``random.Random(20261128)`` -- no network, no clock --
so the output is byte-identical on every run (for a given Pillow/libjpeg).

    python assets/make_demo.py
"""
from __future__ import annotations

import json
import math
import random
import sys
import unicodedata
from pathlib import Path

sys.dont_write_bytecode = True  # keep assets/ free of __pycache__
sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_motifs import MOTIFS, render_thumb  # noqa: E402

SEED = 20261128
N_ITEMS = 320
DAY = 86400
OUT = Path(__file__).resolve().parent / "demo"
LANGS = ("fr", "es", "de", "ja", "zh", "ko")

# slug: (emoji, topic word in LANGS, English title templates, {x} fillers, {y} fillers, description sentences)
TOPICS = {
    "alligators": ("🐊", "alligators|caimanes|Alligatoren|ワニ|鳄鱼|악어",
        "This {x} gator owns the {y}|Alligator crossing at the {y}|Feeding day for a {x} alligator|"
        "How close is too close to a {x} gator?",
        "huge|sleepy|baby|grumpy|12-foot|sunbathing|curious",
        "golf course|bayou|boardwalk|driveway|swamp tour|canal|pond",
        "Filmed from a safe distance on a swamp tour.|Gators are calmer than you think, but give them space."),
    "cooking": ("🍳", "cuisine|cocina|Kochen|料理|做饭|요리",
        "Making {x} in {n} minutes|One-pan {x} for {y}|I tried the viral {x} recipe|My abuela's secret {x}",
        "crème brûlée|jalapeño poppers|paella|crêpes|garlic noodles|shakshuka|fried rice|tortilla española|phở",
        "busy nights|lazy Sundays|two people|meal prep|date night",
        "Simple ingredients, big flavour.|Full recipe in the comments."),
    "baking": ("🧁", "pâtisserie|repostería|Backen|お菓子作り|烘焙|베이킹",
        "Perfect {x} on the first try?|Baking {x} before sunrise|{x} but make it {y}|Why my {x} keeps failing",
        "brioche|pain au chocolat|sourdough|macarons|cinnamon rolls|pâte à choux|Linzer cookies|cheesecake",
        "pink|tiny|giant|vegan|chocolate",
        "Butter, patience and a hot oven.|Proofing time not included."),
    "skateboarding": ("🛹", "skate|skate|Skaten|スケボー|滑板|스케이트보드",
        "Landed my first {x}|{x} at the {y}, slow-mo|Day {n} of learning the {x}|Old-school {y} session",
        "kickflip|heelflip|boardslide|drop-in|360 flip|manual|pop shove-it",
        "skatepark|bowl|parking garage|mini ramp|plaza",
        "Took way too many tries, worth it.|Pads on, always."),
    "cats": ("🐱", "chats|gatos|Katzen|猫|猫咪|고양이",
        "My cat vs the {x}|{y} cat discovers a {x}|Cat logic: {x} edition|{y} cat judges the {x}",
        "cardboard box|laser pointer|cucumber|new sofa|Roomba|bath towel|paper bag",
        "Orange|Tiny|Chonky|Sleepy|Grumpy|Rescue",
        "She does this every single morning.|No cats were harmed, only my furniture."),
    "dogs": ("🐶", "chiens|perros|Hunde|犬|犬|강아지",
        "{y} sees {x} for the first time|My {y}'s reaction to the {x}|Teaching my {y} to love the {x}|Zoomies after the {x}",
        "snow|ocean|vacuum|mailman|new toy|bathtub|puddle",
        "golden retriever|corgi|husky|beagle|rescue pup|dachshund",
        "Pure joy, zero thoughts.|He's a good boy, mostly."),
    "ocean": ("🌊", "océan|océano|Meer|海|大海|바다",
        "Low tide at the {y} revealed this|The sound of {x} waves|{x} sunset over the {y}|What lives in a {y}?",
        "calm|stormy|turquoise|glassy|winter|midnight",
        "tide pool|reef|harbour|sea cave|lagoon|kelp forest|Praia da Marinha",
        "Headphones on for this one.|No filter, just the sea."),
    "surfing": ("🏄", "surf|surf|Surfen|サーフィン|冲浪|서핑",
        "Caught a {x} wave at {y}|Surf check: {y} is firing|Beginner surf, day {n}|Duck-diving a {x} set",
        "glassy|overhead|perfect|messy|double-overhead|tiny",
        "Hossegor|Uluwatu|Ericeira|Malibu|Biarritz|Puerto Escondido",
        "Paddled out at sunrise before the crowds.|Wipeout at the end, stay for it."),
    "hiking": ("🥾", "randonnée|senderismo|Wandern|登山|徒步|등산",
        "{n} km to the {y} summit|Hiking the {x} trail solo|Worth every step: {y}|Sunrise at {y} after a {x} climb",
        "hardest|windiest|prettiest|quietest|muddiest|steepest",
        "Pic du Midi|Zugspitze|Mount Rainier|Fitz Roy|Ben Nevis|Mönch",
        "Started at 4am with a headlamp.|Pack more water than you think."),
    "gardening": ("🌱", "jardinage|jardinería|Gärtnern|ガーデニング|园艺|정원 가꾸기",
        "Repotting my {x}|{x} harvest from a tiny {y}|How I grow {x} on a {y}|Day {n} of my {y} garden",
        "monstera|tomatoes|basil|peppers|strawberries|succulents|zucchini",
        "balcony|windowsill|rooftop|backyard|allotment",
        "Soil, sun and a lot of waiting.|Don't overwater, seriously."),
    "music": ("🎵", "musique|música|Musik|音楽|音乐|음악",
        "{x} beat made from {y} sounds|Looping a {x} track live|Crate digging: {x} vinyl finds|{x} remix at 3am",
        "lo-fi|jazz|synthwave|house|boom-bap|ambient|city pop", "kitchen|subway|rain|typewriter|bicycle",
        "Made with one sampler and too much coffee.|Full track on my profile."),
    "guitar": ("🎸", "guitare|guitarra|Gitarre|ギター|吉他|기타",
        "{x} riff everyone should know|Fingerstyle cover of {y}|Practicing {x} for {n} days|My {x} guitar setup",
        "flamenco|blues|bossa nova|metal|folk|surf rock",
        "a rainy-day song|an old lullaby|a video game theme|a sea shanty|a bolero",
        "Nylon strings, no pedals.|Tabs in the comments if you ask nicely."),
    "travel": ("🧳", "voyage|viajes|Reisen|旅行|旅行|여행",
        "{n} hours in {y}|Hidden spots in {y}|Is {y} worth the hype?|A {x} weekend in {y}",
        "cheap|perfect|rainy|chaotic|slow", "Zürich|São Paulo|Kraków|Málaga|Reykjavík|Cappadocia|Québec City|Hà Nội",
        "Everything I spent and everywhere I ate.|Saving this for my next trip."),
    "space": ("🪐", "espace|espacio|Weltraum|宇宙|太空|우주",
        "Saturn through my {x} telescope|Tonight's {y}, in real time|The {y} from a city balcony|"
        "Catching the {y} with a {x} lens",
        "tiny|homemade|second-hand|giant|cheap",
        "Milky Way|Andromeda galaxy|ISS pass|Orion Nebula|meteor shower|Jupiter",
        "Long exposure, very cold fingers.|Clear skies for once."),
    "cars": ("🚗", "voitures|coches|Autos|車|汽车|자동차",
        "Restoring a {x} {y}|Sunset drive in my {x} {y}|Night drive in a {x} {y}|{y} cold start after {n} years",
        "rusty|1987|vintage|electric|lowered|tiny", "hatchback|roadster|pickup|coupé|camper van|kei car",
        "No music, just the engine.|Parts list below if you're curious."),
    "cycling": ("🚲", "vélo|ciclismo|Radfahren|自転車|骑行|자전거",
        "Riding {n} km through {y}|{x} gravel ride, no plan|Commuting by bike in {y}|Climbing in {y} on a {x} morning",
        "muddy|windy|sunny|foggy|all-day|early",
        "Amsterdam|the Alps|Copenhagen|Provence|the Dolomites|Tōkyō|Mallorca",
        "Legs were burning by the end.|Route link on request."),
    "fitness": ("💪", "fitness|fitness|Fitness|筋トレ|健身|운동",
        "{n}-minute {x} workout|{x} routine for {y}|Trying a {x} challenge for {n} days|Form check: {x}",
        "kettlebell|core|leg day|mobility|dumbbell|HIIT|stretching",
        "beginners|busy parents|small apartments|mornings|desk workers",
        "No equipment needed for most of it.|Warm up first, always."),
    "birds": ("🐦", "oiseaux|pájaros|Vögel|野鳥|鸟类|새",
        "A {x} visited my {y}|Rare {x} spotted at the {y}|Feeder cam: {x} party|Can you hear the {x}?",
        "cardinal|bluebird|goldfinch|robin|kingfisher|woodpecker|heron", "feeder|balcony|pond|garden|window",
        "Recorded on my feeder camera.|Turn the sound up for the song."),
    "city": ("🌃", "ville|ciudad|Stadt|街歩き|城市|도시",
        "{y} at night is unreal|{x} walk through {y}|Rooftop view over {y}|{n} things to do in {y} after dark",
        "rainy|late-night|foggy|neon|quiet", "Montréal|Bogotá|Düsseldorf|Shinjuku|Lisboa|Brooklyn|Seoul",
        "Walking with a gimbal and no plan.|City lights hit different."),
    "coffee": ("☕", "café|café|Kaffee|コーヒー|咖啡|커피",
        "Making a {x} at home|Perfect {x} with a {y}|Morning {x} ritual|Latte art fail #{n}",
        "flat white|cortado|café con leche|espresso|cold brew|pour-over|matcha latte",
        "moka pot|hand grinder|French press|AeroPress|cheap machine",
        "Beans roasted locally, milk steamed badly.|Ratios in the comments."),
    "gaming": ("🎮", "jeux vidéo|videojuegos|Gaming|ゲーム|游戏|게임",
        "Beating the {y} with {x}|{x} speedrun, attempt #{n}|This {y} boss is unfair|Cozy {y} evening",
        "one hand|a steering wheel|a dance pad|a wooden sword|no armour",
        "retro platformer|pixel RPG|farming sim|roguelike|arcade shooter",
        "Controller cam in the corner.|Tell me your best time."),
    "art": ("🎨", "dessin|dibujo|Zeichnen|お絵かき|画画|그림",
        "Painting a {x} in {n} minutes|{x} with only {y}|Sketchbook tour: {x} edition|Turning a {x} into a mural",
        "sunset|portrait|koi fish|cityscape|still life|forest",
        "three colours|coffee|a palette knife|watercolour|markers",
        "Time-lapse of a very messy desk.|Brushes and paints listed below."),
    "snow": ("⛄", "neige|nieve|Schnee|雪|雪景|눈",
        "First snow of the year in {y}|Building a {x} snowman|Fresh powder at {y}|Snowed in, day {n}",
        "giant|tiny|perfect|lopsided|fluffy", "Chamonix|Hokkaidō|Zermatt|Banff|Tromsø|Kraków",
        "Everything is quiet when it snows.|Hot chocolate immediately after."),
    "fishing": ("🎣", "pêche|pesca|Angeln|釣り|钓鱼|낚시",
        "Caught a {x} {y}!|Sunrise fishing for {y}|{x} {y}, catch and release|Day {n} without a bite",
        "huge|tiny|golden|surprise|stubborn|record", "trout|carp|bass|pike|mackerel|catfish",
        "Released safely right after.|Patience is the whole sport."),
    "camping": ("⛺", "camping|camping|Camping|キャンプ|露营|캠핑",
        "Solo camping in the {x} {y}|{x} night in a tiny tent|Campfire cooking in the {y}|{n} nights off-grid",
        "rainy|freezing|stormy|starry|windy|quiet", "forest|desert|mountains|dunes|woods",
        "Tent, stove and a very good book.|Leave no trace, please."),
}
TOPICS = {slug: dict(emoji=e, words=dict(zip(LANGS, w.split("|"))), titles=t.split("|"), x=x.split("|"),
                     y=y.split("|"), desc=d.split("|")) for slug, (e, w, t, x, y, d) in TOPICS.items()}

INTL = {  # title templates / filler phrases / description sentences per language
    "fr": ("{W} : {x}|Journal {w} n°{n}|Spécial {w} — {x}|Défi {w} en {n} minutes|{W}, épisode {n} : {x}",
           "première fois !|ça a mal tourné|le résultat est incroyable|à ne pas manquer|tout ce que j'ai appris|"
           "c'était génial|je n'y croyais pas|une journée parfaite|déçu ou pas ?",
           "Nouvelle vidéo sur le thème « {w} ».|Merci d'être là, à très vite !"),
    "es": ("{W}: ¡{x}!|Día {n} de {w}|Especial {w}: {x}|Vlog de {w} #{n}",
           "qué sorpresa|increíble|mi primera vez|no lo vas a creer|el mejor día|salió fatal|así empezó todo",
           "Nuevo vídeo sobre {w}.|¡Gracias por ver hasta el final!"),
    "de": ("{W} für Anfänger, Teil {n}|{W}: {x}|Mein erstes Mal: {W}|{W} am Wochenende #{n}",
           "größer als gedacht|ganz schön übel|Überraschung!|so schön|endlich geschafft|nie wieder?",
           "Neues Video zum Thema {W}.|Danke fürs Zuschauen!"),
    "ja": ("{w}の日常 #{n}|はじめての{w}|{w}チャレンジ！{n}日目|今日の{w}|{w}が最高すぎた #{n}", "",
           "{w}の動画です。|最後まで見てくれてありがとう！"),
    "zh": ("{w}日常 第{n}集|新手{w}入门 第{n}课|今天的{w}太好看了 #{n}|{w}挑战 第{n}天", "",
           "关于{w}的新视频。|谢谢观看，记得点赞！"),
    "ko": ("{w} 브이로그 #{n}|{w} 일상 #{n}|오늘의 {w} #{n}|{w} 챌린지 {n}일차", "",
           "{w} 영상입니다.|끝까지 봐주셔서 감사합니다!"),
}
CLOSERS = ["Sound on.", "Part two soon.", "Thanks for watching!", "Filmed on my phone.", "Shot in one take."]
EXTRA_EMOJI = ["🔥", "✨", "😂", "😍", "👀", "🎉"]
LONG_TITLE = ("I spent an entire summer filming the alligators that live in the pond behind my grandmother's house "
              "in Louisiana and this is absolutely everything I learned about them: what they eat, where they sleep, "
              "how they talk to each other, and why you should never ever feed them (part 1 of 3) 🐊")

CREATORS = [  # handle, title language, topics (first = main speciality)
    ("gatorgrace", "en", "alligators birds"), ("swampdaddy", "en", "alligators fishing"),
    ("bayou.bella", "en", "alligators fishing camping"), ("chef.kenji", "en", "cooking coffee"),
    ("Léa Dubois", "fr", "baking cooking"), ("mamie.cuisine", "fr", "cooking baking"),
    ("nonna_rosa", "en", "cooking baking gardening"), ("sk8.milo", "en", "skateboarding"),
    ("rampqueen", "en", "skateboarding cycling"), ("kickflip.kai", "en", "skateboarding surfing"),
    ("whiskers.and.co", "en", "cats"), ("猫まみれ", "ja", "cats"), ("doggo.diaries", "en", "dogs"),
    ("barkley.bros", "en", "dogs hiking"), ("tidepool.tess", "en", "ocean birds fishing"),
    ("wave.hunter", "en", "surfing ocean"), ("Camille Surf", "fr", "surfing ocean travel"),
    ("trailmix.tom", "en", "hiking camping"), ("Jürgen Bergmann", "de", "hiking snow"),
    ("bergfreundin", "de", "hiking camping snow"), ("greenthumb.gus", "en", "gardening"),
    ("jardin.de.margaux", "fr", "gardening baking"), ("beatsbyari", "en", "music gaming"),
    ("vinyl.vince", "en", "music"), ("José Ramírez", "es", "guitar music"), ("strumandhum", "en", "guitar"),
    ("wanderwren", "en", "travel city"), ("Sofía Navarro", "es", "travel cooking"),
    ("ナオミの旅", "ja", "travel city coffee"), ("stargazer.sam", "en", "space"),
    ("orbit.olivia", "en", "space gaming"), ("nightdrive", "en", "cars city"), ("garage.gabe", "en", "cars"),
    ("René Vélo", "fr", "cycling travel"), ("pedal.pia", "en", "cycling fitness"), ("gymrat.gia", "en", "fitness"),
    ("Zoë Fit", "en", "fitness cooking"), ("birdnerd.bo", "en", "birds gardening"),
    ("東京ナイト", "ja", "city music"), ("上海咖啡", "zh", "coffee city"), ("小明游戏", "zh", "gaming"),
    ("barista.bea", "en", "coffee baking"), ("pixel.pete", "en", "gaming art"), ("inkandowl", "en", "art birds"),
    ("Ana Muñoz", "es", "art coffee"), ("서울산책", "ko", "city coffee travel"), ("민지의 베이킹", "ko", "baking"),
    ("snowday.sven", "en", "snow"), ("Björn Åkesson", "en", "snow camping"), ("reel.rick", "en", "fishing camping"),
    ("Pêcheur Paulo", "fr", "fishing ocean"), ("campfire.cass", "en", "camping hiking"),
    ("밥상 지우", "ko", "cooking"), ("Kalinda Rivers", "en", "ocean surfing"),
]


def make_title(r, lang, slug, n):
    """Return (title, language) for one item; non-English creators sometimes post in English."""
    t = TOPICS[slug]
    if lang == "en" or r.random() < .25:
        s, lang = r.choice(t["titles"]).format(x=r.choice(t["x"]), y=r.choice(t["y"]), n=n), "en"
    else:
        tmpl, fill, _ = INTL[lang]
        w = t["words"][lang]
        s = r.choice(tmpl.split("|")).format(w=w, W=w[0].upper() + w[1:], x=r.choice(fill.split("|")), n=n)
    s = s[0].upper() + s[1:]
    if r.random() < .15:
        s += " " + t["emoji"]
    elif r.random() < .06:
        s += " " + r.choice(EXTRA_EMOJI)
    return s, lang


def make_description(r, lang, slug):
    """One or two sentences, in the same language as the title."""
    t = TOPICS[slug]
    if lang == "en":
        return r.choice(t["desc"]) + (" " + r.choice(CLOSERS) if r.random() < .5 else "")
    w = t["words"][lang]
    first, second = INTL[lang][2].split("|")
    sep = "" if lang in ("ja", "zh") else " "
    return first.format(w=w, W=w[0].upper() + w[1:]) + (sep + second if r.random() < .6 else "")


def build_items(r):
    """Return (items, per-item thumbnail seeds)."""
    counts = [2] * len(CREATORS)  # everyone posts at least twice; a few post a lot
    weights = [min(r.paretovariate(1.5), 9.0) for _ in CREATORS]
    weights[0] = 9.0  # gatorgrace headlines the demo
    for i in r.choices(range(len(CREATORS)), weights, k=N_ITEMS - sum(counts)):
        counts[i] += 1
    order = [i for i, c in enumerate(counts) for _ in range(c)]
    r.shuffle(order)
    items, seeds, seen = [], [], set()
    for k, ci in enumerate(order, 1):
        name, lang, tops = CREATORS[ci]
        tops = tops.split()
        main = r.choices(tops, [3, 2, 1][:len(tops)])[0]
        topics = [main] + [t for t in tops if t != main and r.random() < .4]
        for _ in range(100):
            title, tlang = make_title(r, lang, main, r.randint(2, 30))
            if title not in seen and len(title) <= 70:
                break
        seen.add(title)
        if r.random() < .03:  # the odd viral hit, log-uniform 1M..20M
            views = int(math.exp(r.uniform(math.log(1e6), math.log(2e7))))
        else:  # heavy-tailed: mostly hundreds to tens of thousands
            views = int(min(r.lognormvariate(math.log(4500), 1.6) + r.randint(60, 400), 2e7))
        items.append({
            "id": f"demo:{k:04d}", "title": title, "creator": name, "topics": topics,
            "description": make_description(r, tlang, main),
            "duration": max(5, min(180, round(r.lognormvariate(math.log(28), .6)))),
            "published_offset": int(60 * DAY * r.random() ** 2.3),  # skewed towards recent
            "views": views,
            "likes": max(1, int(views * math.exp(r.uniform(math.log(.01), math.log(.12))))),
            "thumbnail": f"thumbs/{k:04d}.jpg",
        })
        seeds.append(r.getrandbits(64))
    first_gator = next(it for it in items if it["creator"] == "gatorgrace" and it["topics"][0] == "alligators")
    first_gator["title"] = LONG_TITLE
    return items, seeds


def check(items):
    """Sanity checks on the generated catalogue (cheap; run on every build)."""
    assert set(TOPICS) == set(MOTIFS) and len(items) == N_ITEMS
    for it in items:
        for s in [it["title"], it["creator"], it["description"], *it["topics"]]:
            assert not any(unicodedata.category(c) in ("Cc", "Cf") for c in s), s
        assert all(t.isascii() and t.islower() and t in TOPICS for t in it["topics"]) and 1 <= len(it["topics"]) <= 3
        assert 1 <= it["likes"] <= it["views"] and 5 <= it["duration"] <= 180
        assert 0 <= it["published_offset"] <= 60 * DAY
    titles = [it["title"] for it in items]
    assert len(set(titles)) == len(titles), "duplicate titles"
    assert sum(len(t) > 200 for t in titles) == 1 and sum(len(t) > 70 for t in titles) == 1
    assert len({it["creator"] for it in items}) >= 45
    assert len({t for it in items for t in it["topics"]}) >= 22


def main():
    items, seeds = build_items(random.Random(SEED))
    check(items)
    thumbs = OUT / "thumbs"
    thumbs.mkdir(parents=True, exist_ok=True)
    for old in thumbs.glob("*.jpg"):
        old.unlink()
    for it, seed in zip(items, seeds):
        img = render_thumb(it["topics"][0], seed)
        img.save(OUT / it["thumbnail"], "JPEG", quality=80, optimize=True, subsampling=0)
    doc = {"version": 1, "generated_by": "assets/make_demo.py", "items": items}
    text = json.dumps(doc, ensure_ascii=False, indent=1) + "\n"
    (OUT / "catalogue.json").write_text(text, encoding="utf-8", newline="\n")
    print(f"wrote {len(items)} items + thumbnails to {OUT}")


if __name__ == "__main__":
    main()
