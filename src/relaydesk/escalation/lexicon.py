"""The words the signals listen for, in English and Bahasa Indonesia (casual included).

Kept apart from the signal code so that adding a phrase never touches logic. Phrases are
matched on word tokens (see text.py): write them lower-case, without apostrophes
("dont", "ill"). Typo tolerance is per vocabulary and only for long words, because short
words are one edit away from too many others ("sue" / "see", "hack" / "back").
"""

from __future__ import annotations

from relaydesk.escalation.text import Vocabulary

# --- explicit request -----------------------------------------------------------------

# Someone who is certainly a person of the business: with any request cue, a request.
PERSON_STRONG = Vocabulary(
    [
        "agent", "agents", "human", "humans", "representative", "rep", "operator",
        "supervisor", "manager", "staff", "admin", "cs", "customer service",
        "customer care", "customer support", "support team", "live agent", "live person",
        "real person", "real human", "actual person", "actual human", "live chat",
        "agen", "manusia", "petugas", "karyawan", "staf", "layanan pelanggan",
        "orang asli", "manusia asli", "orang beneran", "pegawai",
    ],
    fuzzy_min_len=5,
    # Real words one edit from a person word: never read them as typos.
    not_typos=[
        "persen", "agenda", "admit", "manage", "managed", "manages", "manger", "stuff",
        "stiff", "humid", "humor", "humas", "agency", "urgent",
    ],
)  # fmt: skip

# Words that may mean a person of the business, or anyone: only with a contact verb.
PERSON_WEAK = Vocabulary(
    ["person", "someone", "somebody", "anyone", "anybody", "people", "orang", "seseorang"],
    fuzzy_min_len=6,
    not_typos=["persen", "prison", "poison", "parson", "persons"],
)

# Verbs that ask to be put in touch with someone.
CONTACT_VERBS = Vocabulary(
    [
        "talk", "speak", "chat", "connect", "transfer", "reach", "call", "contact",
        "escalate", "forward", "redirect", "put me through", "hand me over", "pass me",
        "ngomong", "ngobrol", "omong", "kontak", "oper", "telpon", "telepon", "nelpon",
    ],
    fuzzy_min_len=6,
)  # fmt: skip

# Indonesian verb stems inside affixed forms: di-sambung-kan, meng-hubung-i, ber-bicara.
CONTACT_STEMS = ("sambung", "hubung", "bicara", "panggil", "alihkan", "telp")

# Softer cues that, next to a strong person word, still make a request.
REQUEST_CUES = Vocabulary(
    [
        "want", "wanna", "need", "please", "pls", "plz", "can", "could", "may", "give",
        "get", "let", "would like", "id like", "asap", "now", "request",
        "mau", "minta", "tolong", "bisa", "bisakah", "perlu", "pengen", "pingin", "ingin",
        "butuh", "mohon", "tlg", "dong", "cari",
    ]
)  # fmt: skip

# A negator close before the person word cancels the request: "I don't need an agent".
# "can't" / "won't" are not here: "why can't I talk to a human" is a request.
NEGATORS = frozenset(
    {
        "no", "not", "dont", "doesnt", "didnt", "never", "without", "nope", "neither",
        "tidak", "tak", "gak", "ga", "gk", "nggak", "ngga", "enggak", "engga", "ndak",
        "nda", "jangan", "jgn", "tdk", "gausah", "gaperlu", "bukan",
    }
)  # fmt: skip
# After the person word, these (after a negator) cancel it too: "CS nya gak usah".
NEED_WORDS = frozenset({"need", "needed", "necessary", "perlu", "usah", "butuh", "mau"})

# --- frustration ----------------------------------------------------------------------

ANGER = Vocabulary(
    [
        "ridiculous", "unacceptable", "worst", "terrible", "useless", "this is a joke",
        "what a joke", "horrible", "awful", "pathetic", "disgusting", "waste of time",
        "fed up", "sick of", "sick and tired", "had enough", "furious", "angry", "pissed",
        "frustrated", "frustrating", "incompetent", "hopeless", "rubbish", "garbage",
        "nonsense", "stupid", "idiots", "scam", "are you kidding", "wtf", "disappointed",
        "disappointing", "annoyed", "annoying", "fix this now", "enough is enough",
        "kecewa", "mengecewakan", "parah", "lama banget", "lama bgt", "kesel", "kesal",
        "gimana sih", "gmn sih", "gimana ini", "payah", "marah", "bete", "capek", "cape",
        "males", "bodoh", "goblok", "tolol", "nyebelin", "menyebalkan", "keterlaluan",
        "lelet", "lemot", "ribet", "buruk", "terburuk", "jelek", "sampah", "penipu",
        "nipu", "sialan", "astaga", "ya ampun", "kapok", "gak becus", "nggak becus",
        "tidak becus", "ga becus", "gak jelas", "ga jelas", "nggak jelas", "tidak jelas",
        "gak bener", "ga bener", "mana tanggung jawabnya", "zonk",
    ],
    fuzzy_min_len=8,
    not_typos=["terrific"],
)  # fmt: skip

# Complaining, without the heat of the words above.
COMPLAINT = Vocabulary(
    ["complain", "complaint", "komplain", "keluhan", "mengeluh", "protes", "not happy"]
)

# Threats to leave, cancel or go public: the customer is about to walk away. (Legal
# threats are URGENT["legal"]; the frustration signal counts those as threats too.)
THREATS = Vocabulary(
    [
        "cancel my account", "close my account", "delete my account", "never order again",
        "never buy", "never shop", "never again", "your competitor", "cancel everything",
        "uninstall", "bad review", "1 star", "one star", "report you", "go viral",
        "hapus akun", "tutup akun",
        "gak mau belanja lagi", "ga mau belanja lagi", "tidak akan belanja lagi",
        "viralkan", "viralin", "bintang 1", "bintang satu",
    ]
)  # fmt: skip

# Shouting a short acronym is not shouting.
ACRONYMS = frozenset(
    {"vip", "cs", "otp", "sms", "atm", "id", "jne", "usd", "idr", "pin", "cod", "ok", "eta",
     "tx", "pdf", "url", "faq", "ktp", "va", "bca", "bri", "bni", "jnt", "dm", "asap", "ups",
     "dhl", "pls", "sku", "hi", "i"}
)  # fmt: skip

# --- urgency --------------------------------------------------------------------------

# kind -> phrases. No typo tolerance: "hacked" is one edit from "packed".
URGENT: dict[str, Vocabulary] = {
    "fraud": Vocabulary(
        [
            "fraud", "fraudulent", "unauthorized", "unauthorised", "never made",
            "didnt make", "did not make", "not made by me", "never authorized",
            "never authorised", "didnt authorize", "didnt authorise", "did not authorize",
            "someone is using my card", "someone used my card", "someone using my card",
            "stolen card", "card was stolen", "card stolen", "identity theft",
            "money disappeared", "money is gone", "penipuan", "tidak saya lakukan",
            "bukan saya yang", "tidak pernah melakukan", "gak pernah transaksi",
            "tidak pernah transaksi", "kartu saya dipakai", "kartu saya dicuri",
            "saldo saya hilang", "uang saya hilang", "transaksi mencurigakan",
        ]
    ),
    "hacked": Vocabulary(
        [
            "hacked", "hacker", "hack my", "hacking", "compromised", "account takeover",
            "someone logged into my account", "someone logged in to my account",
            "someone changed my password", "someone changed my email",
            "dibobol", "diretas", "dihack", "di hack", "kena hack", "diambil alih",
            "dibajak", "orang lain masuk",
        ]
    ),
    "legal": Vocabulary(
        [
            "lawyer", "attorney", "sue you", "sue your", "sue them", "will sue", "going to sue",
            "gonna sue", "ill sue", "suing", "lawsuit", "legal action", "take you to court",
            "court", "police", "consumer protection", "pengacara", "lapor polisi", "polisi",
            "ylki", "somasi", "tuntut", "menuntut", "jalur hukum", "gugat", "menggugat",
            "pengadilan", "bpsk",
        ]
    ),
    "safety": Vocabulary(
        [
            "injury", "injured", "got hurt", "was hurt", "hurt myself", "hurt my", "caught fire",
            "on fire", "fire hazard", "started a fire", "burned", "burnt", "burning smell",
            "smoke", "exploded", "explode", "explosion", "dangerous", "danger",
            "electric shock", "electrocuted", "poisoned", "poisoning", "choking", "bleeding",
            "luka", "terluka", "kebakaran", "terbakar", "meledak", "berbahaya", "bahaya",
            "kesetrum", "tersetrum", "keracunan", "berasap",
        ]
    ),
}  # fmt: skip

# --- loop -----------------------------------------------------------------------------

# Certainly "we've been here before".
LOOP_STRONG = Vocabulary(
    [
        "when exactly", "but when", "you already said", "you said that", "already told",
        "already said", "same answer", "same thing", "again and again", "over and over",
        "not what i asked", "doesnt answer", "didnt answer", "that doesnt help",
        "that didnt help", "not helpful", "still not", "still doesnt", "still didnt",
        "still cant", "still locked", "still failing", "still failed", "still waiting",
        "still broken", "still nothing", "still no", "many times", "several times",
        "three times", "3 times", "multiple times", "tried everything", "going in circles",
        "lagi lagi", "berkali kali", "udah dibilang", "sudah dibilang", "dari tadi",
        "sama aja", "sama saja", "tetap gagal", "tetep gagal", "masih gagal", "masih belum",
        "masih tidak", "masih gak", "masih ga", "masih error", "masih diblokir",
        "masih terkunci", "tetap tidak", "tetap gak", "tetep gak", "gagal terus",
        "sudah 2 kali", "sudah 3 kali", "udah 3 kali", "udah 2 kali", "sudah beberapa kali",
        "kapan tepatnya", "kapan pastinya", "jawabannya sama",
    ]
)  # fmt: skip

# Maybe a loop: counts with a repeated request, not alone ("still" can be neutral).
LOOP_WEAK = Vocabulary(["still", "again", "masih", "tetap", "tetep", "terus", "lagi"])

# Intents that are conversation glue, never "the same request again".
GLUE_INTENTS = frozenset(
    {"greeting", "thanks", "goodbye", "affirm", "deny", "out_of_scope", "human_request"}
)
