"""English or Bahasa Indonesia, from the words a message uses.

A word-list scorer rather than a model: support messages are short, full of ids and of words
both languages share ("order", "refund", "password", "admin", "ok"), and a wrong switch of
language mid-conversation is worse than a late one. So a hint (the conversation's language so
far) wins unless the message clearly says otherwise.
"""

from __future__ import annotations

import re

from relaydesk.bot.text import word_set

EN = "en"
ID = "id"


# Frequent words of each language, including casual Indonesian and its short forms.
# Loanwords used alike in both (order, refund, password, login, admin, ok, email) are left out.
_ID_WORDS = word_set(
    """saya aku gue gw kami kamu anda kak kakak min mimin gan sis bang bu pak ya iya iyaa yg
    yang dan atau di ke dari untuk buat dengan sama ini itu tidak tdk nggak ngga enggak gak ga
    gk udah udh sudah sdh belum blm masih lagi juga jg tapi tp karena krn kalau kalo kok sih
    dong deh nih tuh aja saja banget bgt bisa gimana bagaimana kenapa knp mengapa kapan
    dimana mana apa apakah siapa berapa brp mau ingin minta tolong mohon terima kasih makasih
    makasi trims halo hai selamat pagi siang sore malam pesanan pesananku paket paketku barang
    kiriman pengiriman sampai sampe nyampe datang dateng dikirim kirim alamat ganti ubah rusak
    pecah hilang salah telat terlambat lama kemarin besok hari minggu bulan seminggu
    pembayaran bayar gagal ditolak kartu saldo uang dana terpotong kepotong tagihan akun
    terkunci diblokir diblok masuk lupa kata sandi kode orang manusia agen bicara ngomong
    sambungkan hubungkan kecewa parah oke sip siap baik boleh benar betul bukan jangan
    tunggu sudahlah ada adalah pakai lewat tanggal jam berhasil coba terus semua"""
)
_EN_WORDS = word_set(
    """i i'm im my me you your we our the a an is are was were be been has have had do does
    did not no yes yeah it it's its this that there what where when why how who which can
    could would should will please thanks thank hi hello hey morning evening to of in on for
    with at from by and or but so just still yet already again since about my mine order
    package parcel delivery delivered arrive arrived arriving late delayed never lost broken
    damaged wrong change address payment paid pay charged twice card account locked log sign
    forgot reset person human agent talk speak someone want need help get got sent received
    today yesterday tomorrow week days day ok okay great fine sure bye goodbye"""
)
_ID_AFFIXES = re.compile(
    r"^\w{3,}(?:nya|kan|lah|kah)$|^(?:di|ke|ber|ter|meng|mem|men|peng)\w{4,}an$"
)
_WORD = re.compile(r"[a-z']+")


def language_scores(text: str) -> tuple[float, float]:
    """(English, Indonesian) evidence: one point a known word, half a point an Indonesian affix."""
    en = id_ = 0.0
    for word in _WORD.findall(text.lower()):
        en += word in _EN_WORDS
        if word in _ID_WORDS:
            id_ += 1
        elif _ID_AFFIXES.match(word):
            id_ += 0.5
    return en, id_


def detect_language(text: str, hint: str | None = None) -> str:
    """ "en" or "id". With a hint, the other language must lead by two points to win."""
    en, id_ = language_scores(text)
    if hint in (EN, ID):
        other, own = (id_, en) if hint == EN else (en, id_)
        return hint if other < own + 2 else (ID if hint == EN else EN)
    return ID if id_ > en else EN
