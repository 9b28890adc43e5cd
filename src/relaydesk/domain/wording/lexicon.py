"""The words the signals listen for, in English and Bahasa Indonesia (casual included).

Kept apart from the signal code so that adding a phrase never touches logic. Phrases are
matched on word tokens (see text.py): write them lower-case, without apostrophes
("dont", "ill"). Typo tolerance is per vocabulary and only for long words, because short
words are one edit away from too many others ("sue" / "see", "hack" / "back").
"""

from __future__ import annotations

from relaydesk.domain.wording.text import Vocabulary

# --- explicit request -----------------------------------------------------------------

# Someone who is certainly a person of the business: with any request cue, a request.
PERSON_STRONG = Vocabulary(
    [
        "agent", "agents", "human", "humans", "representative", "rep", "operator",
        "supervisor", "manager", "staff", "admin", "cs", "customer service",
        "customer care", "customer support", "customer assistance", "customer services",
        "customerservice", "customersupport", "support team", "support staff",
        "support agent", "service team", "help desk", "helpdesk", "call center",
        "call centre", "contact center", "contact centre", "live agent", "live person",
        "real person", "real human", "actual person", "actual human", "live chat",
        "agen", "manusia", "petugas", "karyawan", "staf", "layanan pelanggan",
        "orang asli", "manusia asli", "orang beneran", "pegawai", "tim cs", "pimpinan",
        "person in charge", "someone in charge", "penanggung jawab",
    ],
    fuzzy_min_len=5,
    # Real words one edit from a person word: never read them as typos.
    not_typos=[
        "persen", "agenda", "admit", "manage", "managed", "manages", "manger", "stuff",
        "stiff", "humid", "humor", "humas", "agency", "urgent",
    ],
)  # fmt: skip

# Words that may mean a person of the business, or anyone (or the bot: "assistant"):
# only with a contact verb.
PERSON_WEAK = Vocabulary(
    [
        "person", "someone", "somebody", "anyone", "anybody", "people", "assistant",
        "boss", "orang", "seseorang", "atasan",
    ],
    fuzzy_min_len=6,
    not_typos=["persen", "prison", "poison", "parson", "persons", "assistance"],
)  # fmt: skip

# Verbs that ask to be put in touch with someone, with the -ing forms people write after
# "help", "assistance" or "how about" ("help me contacting an agent"). Past forms are
# left out: "I talked to an agent yesterday" tells a story, it asks for nobody.
CONTACT_VERBS = Vocabulary(
    [
        "talk", "talking", "speak", "speaking", "chat", "chatting", "connect", "connecting",
        "transfer", "transferring", "reach", "reaching", "call", "calling", "contact",
        "contacting", "escalate", "escalating", "forward", "redirect", "phone", "ring",
        "get in touch", "getting in touch", "be in touch", "reach out", "put me through",
        "hand me over", "pass me", "pass this", "hand this", "complain to", "komplain ke",
        "komplain sama", "lapor ke", "ngadu ke", "mengadu ke", "komplain langsung ke",
        "complain directly to", "speak directly to", "talk directly to",
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

# How a business is reached. Next to a person of the business ("customer service phone
# number", "what hours customer support is available", "nomor CS"), asking for one of
# these asks to get through to them.
CONTACT_POINTS = Vocabulary(
    [
        "email", "mail", "e mail", "phone", "number", "hotline", "line", "hours",
        "opening hours", "open", "available", "availability", "whatsapp", "contact",
        "contacts", "address", "opening", "operating",
        "nomor", "nomer", "kontak", "telp", "telepon", "wa", "jam", "buka", "alamat",
    ]
)  # fmt: skip

# Ways of reaching the business that, asked for with a contact verb, ask for its people:
# "do you have a phone line I can call?", "ada nomor yang bisa dihubungi?".
CONTACT_CHANNELS = frozenset(
    {"phone", "number", "hotline", "helpline", "line", "whatsapp", "email", "nomor", "nomer",
     "telepon", "telp", "wa"}
)  # fmt: skip
# Openers of a question asking whether something is there or what it is.
ASKING_OPENERS = Vocabulary(
    ["do you have", "have you got", "is there", "are there", "what", "whats", "which",
     "where", "how", "ada", "berapa", "apa", "mana", "gimana", "bagaimana"]
)  # fmt: skip

# "phone no", "no hp", "no. wa": here "no" is a number, not a negator.
PHONE_WORDS = frozenset(
    {"phone", "tel", "telephone", "mobile", "contact", "hp", "wa", "whatsapp", "telp", "hape"}
)

# Words that show a message is about people or getting through to them at all. The
# NLU's human_request alone counts only in their presence: a classifier that reads "help
# me find the invoice from Mr. Smith" as a request for a person is guessing.
PERSON_TRACES = frozenset(
    {
        "bot", "robot", "chatbot", "machine", "automated", "real", "live", "actual",
        "mesin", "asli", "beneran", "langsung", "sungguhan",
    }
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
            "stole my card", "stole my credit card", "stole my debit card", "card got stolen",
            "stolen credit card", "dont recognize", "dont recognise", "do not recognize",
            "do not recognise", "unrecognized charge", "unrecognised charge",
            "unrecognized payment", "unrecognized transaction", "kartu dicuri",
            "kartuku dicuri", "tidak saya kenali", "gak saya kenal", "ga saya kenal",
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
        "kapan tepatnya", "kapan pastinya", "jawabannya sama", "itu itu terus",
        "itu itu aja", "itu itu saja", "gitu gitu aja", "gitu terus", "sama terus",
        "muter muter", "you keep saying", "keep telling me", "keep repeating",
        "repeating yourself", "same reply", "same response", "same message",
    ]
)  # fmt: skip

# Maybe a loop: counts with a repeated request, not alone ("still" can be neutral).
LOOP_WEAK = Vocabulary(["still", "again", "masih", "tetap", "tetep", "terus", "lagi"])

# Intents that are conversation glue, never "the same request again".
GLUE_INTENTS = frozenset(
    {"greeting", "thanks", "goodbye", "affirm", "deny", "out_of_scope", "human_request"}
)
