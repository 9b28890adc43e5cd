"""Every sentence the customer reads, in English and Bahasa Indonesia.

One catalogue, keyed by message, each with both languages and the same `str.format` fields,
so a missing translation or a field spelt differently in one language fails a test rather
than a customer. Indonesian uses "Anda" (polite, as most shops write); casual customers
are not answered in slang.
"""

from __future__ import annotations

from typing import Final

from relaydesk.bot.formatting import wait_within

MESSAGES: Final[dict[str, dict[str, str]]] = {
    # --- conversation -------------------------------------------------------------------
    "greeting": {
        "en": "Hi! I can help with your orders and deliveries, payments, and your account. "
        "What can I do for you?",
        "id": "Halo! Saya bisa membantu soal pesanan dan pengiriman, pembayaran, serta akun "
        "Anda. Ada yang bisa saya bantu?",
    },
    "welcome": {
        "en": "You're welcome! Is there anything else I can help with?",
        "id": "Sama-sama! Ada lagi yang bisa saya bantu?",
    },
    "closing": {
        "en": "Glad I could help. Have a great day!",
        "id": "Senang bisa membantu. Semoga hari Anda menyenangkan!",
    },
    "goodbye": {
        "en": "Goodbye! Message us here any time you need help.",
        "id": "Sampai jumpa! Silakan hubungi kami di sini kapan saja.",
    },
    "ready": {
        "en": "Okay! What can I help you with?",
        "id": "Baik! Ada yang bisa saya bantu?",
    },
    "anything_else": {
        "en": "Okay. Is there anything else I can help with?",
        "id": "Baik. Ada hal lain yang bisa saya bantu?",
    },
    "not_understood": {
        "en": "Sorry, I didn't quite get that. Could you put it another way? For example: "
        '"where is order 12345" or "my payment failed". If you\'d rather talk to a person, '
        "just say so.",
        "id": "Maaf, saya kurang paham. Bisa dijelaskan dengan kalimat lain? Misalnya: "
        '"pesanan 12345 sudah sampai mana" atau "pembayaran saya gagal". Kalau ingin '
        "bicara dengan petugas, bilang saja.",
    },
    "not_understood_again": {
        "en": "I'm still not sure what you need, sorry. You can ask me about an order, a "
        'payment or your account, or type "agent" to talk to a person from our team.',
        "id": "Maaf, saya masih belum paham. Anda bisa bertanya soal pesanan, pembayaran, "
        'atau akun, atau ketik "agen" untuk bicara dengan petugas kami.',
    },
    "human_request": {
        "en": "Of course. I'll get a person from our team for you.",
        "id": "Baik. Saya sambungkan Anda dengan petugas kami.",
    },
    "complaint_ask": {
        "en": "I'm sorry to hear that. Tell me what happened and I'll look into it. If it's "
        "about an order or a payment, please include its number.",
        "id": "Mohon maaf atas ketidaknyamanannya. Ceritakan apa yang terjadi, nanti saya "
        "bantu cek. Kalau soal pesanan atau pembayaran, sertakan nomornya ya.",
    },
    "no_news": {
        "en": "I'm afraid nothing has changed since my last message.",
        "id": "Maaf, belum ada kabar baru sejak pesan saya sebelumnya.",
    },
    "backend_unavailable": {
        "en": "Sorry, I can't reach our order system right now, so I can't check this. "
        "A person from our team can look into it for you.",
        "id": "Maaf, sistem kami sedang tidak bisa diakses, jadi saya belum bisa mengeceknya. "
        "Petugas kami bisa membantu mengeceknya.",
    },
    "masking_warning": {
        "en": "For your security, please don't send card numbers, codes or passwords here. "
        "I've hidden what you sent, and nobody on our team will ever ask for them.",
        "id": "Demi keamanan, mohon jangan kirim nomor kartu, kode OTP, atau kata sandi di "
        "sini. Yang Anda kirim sudah kami sembunyikan, dan tim kami tidak akan pernah "
        "memintanya.",
    },
    # --- asking for what is missing -----------------------------------------------------
    "ask_order_id": {
        "en": "Sure, I can check that. What's your order number? You'll find it in your "
        "order confirmation (for example 12345).",
        "id": "Baik, saya bantu cek. Boleh minta nomor pesanannya? Ada di email konfirmasi "
        "pesanan (contoh: 12345).",
    },
    "ask_order_id_again": {
        "en": "I still need the order number to look this up. It's in your order "
        "confirmation email or in your order history.",
        "id": "Saya masih perlu nomor pesanannya untuk mengecek. Nomornya ada di email "
        "konfirmasi atau riwayat pesanan Anda.",
    },
    "ask_transaction_id": {
        "en": "I can check that payment. What's the transaction ID? It looks like TX-12345 "
        "and is in your payment confirmation.",
        "id": "Saya bisa cek pembayarannya. Boleh minta ID transaksinya? Bentuknya seperti "
        "TX-12345, ada di bukti pembayaran Anda.",
    },
    "ask_transaction_id_again": {
        "en": "I still need the transaction ID (like TX-12345) to look this up. It's in the "
        "payment confirmation email or in your order history.",
        "id": "Saya masih perlu ID transaksinya (seperti TX-12345) untuk mengecek. Ada di "
        "email bukti pembayaran atau riwayat pesanan Anda.",
    },
    "ask_email": {
        "en": "I can help with that. What's the email address on your account?",
        "id": "Saya bantu. Apa alamat email yang terdaftar di akun Anda?",
    },
    "ask_email_again": {
        "en": "I still need the email address you signed up with to check your account.",
        "id": "Saya masih perlu alamat email yang Anda pakai untuk mendaftar agar bisa "
        "mengecek akun Anda.",
    },
    # --- orders and deliveries ----------------------------------------------------------
    "order_not_found": {
        "en": "I couldn't find order {order}. Could you check the number? It's in your "
        "order confirmation email.",
        "id": "Pesanan {order} tidak ditemukan. Bisa dicek lagi nomornya? Nomornya ada di "
        "email konfirmasi pesanan.",
    },
    "order_processing": {
        "en": "Order {order} is being prepared and hasn't shipped yet. It should reach you {eta}.",
        "id": "Pesanan {order} sedang disiapkan dan belum dikirim. Perkiraan sampai {eta}.",
    },
    "order_processing_no_eta": {
        "en": "Order {order} is being prepared and hasn't shipped yet. You'll get the "
        "tracking number by email once it ships.",
        "id": "Pesanan {order} sedang disiapkan dan belum dikirim. Nomor resi akan kami "
        "kirim lewat email setelah paket dikirim.",
    },
    "order_in_transit": {
        "en": "Order {order} is on its way{with_carrier}{tracking}. It should arrive {eta}.",
        "id": "Pesanan {order} sedang dalam perjalanan{with_carrier}{tracking}. Perkiraan "
        "sampai {eta}.",
    },
    "order_delivered": {
        "en": "Order {order} was delivered{on_day}{with_carrier}.",
        "id": "Pesanan {order} sudah diterima{on_day}{with_carrier}.",
    },
    "order_delayed": {
        "en": "I'm sorry, order {order} is running late. It was due {promised}; the new "
        "estimate{from_carrier} is {eta}. Is that date OK for you?",
        "id": "Mohon maaf, pesanan {order} terlambat. Seharusnya sampai {promised}; "
        "perkiraan baru{from_carrier} adalah {eta}. Apakah tanggal itu tidak masalah?",
    },
    "order_overdue": {
        "en": "I'm sorry, order {order} is late: it was due {promised} and the courier "
        "hasn't given a new date that is still ahead. I can't chase the courier myself; "
        "a person from our team needs to look into it.",
        "id": "Mohon maaf, pesanan {order} terlambat: seharusnya sampai {promised} dan "
        "kurir belum memberi tanggal baru. Saya tidak bisa menindaklanjuti kurir sendiri; "
        "petugas kami perlu mengeceknya.",
    },
    "order_lost": {
        "en": "I'm very sorry: order {order} appears to have been lost in transit"
        "{with_carrier}. I can't arrange a replacement or a refund myself; a person from "
        "our team needs to take this on.",
        "id": "Mohon maaf sekali: pesanan {order} tampaknya hilang dalam pengiriman"
        "{with_carrier}. Saya tidak bisa mengatur penggantian atau refund sendiri; "
        "petugas kami perlu menanganinya.",
    },
    "order_not_received": {
        "en": "Our records say order {order} was delivered{on_day}, but you haven't got it. "
        "I can't investigate a missing parcel myself; a person from our team needs to "
        "check with the courier.",
        "id": "Menurut data kami pesanan {order} sudah diterima{on_day}, tapi belum sampai "
        "ke Anda. Saya tidak bisa menyelidiki paket yang hilang sendiri; petugas kami "
        "perlu mengeceknya ke kurir.",
    },
    "order_damaged": {
        "en": "I'm sorry order {order} arrived damaged. A replacement or refund has to be "
        "arranged by a person from our team. Please keep the item and its packaging; a "
        "photo will help them.",
        "id": "Mohon maaf pesanan {order} sampai dalam keadaan rusak. Penggantian atau "
        "refund harus diatur oleh petugas kami. Mohon simpan barang dan kemasannya; foto "
        "barangnya akan membantu.",
    },
    "order_wrong_item": {
        "en": "I'm sorry you received the wrong item for order {order}. A person from our "
        "team needs to arrange the exchange. Please keep the item you received.",
        "id": "Mohon maaf Anda menerima barang yang salah untuk pesanan {order}. Petugas "
        "kami perlu mengatur penukarannya. Mohon simpan barang yang Anda terima.",
    },
    "address_change": {
        "en": "I can't change the delivery address of order {order} myself. A person from "
        "our team can check whether it can still be changed.",
        "id": "Saya tidak bisa mengubah alamat pengiriman pesanan {order} sendiri. Petugas "
        "kami bisa mengecek apakah alamatnya masih bisa diubah.",
    },
    "order_change": {
        "en": "I can't change order {order} myself. A person from our team can check what "
        "can still be changed.",
        "id": "Saya tidak bisa mengubah pesanan {order} sendiri. Petugas kami bisa mengecek "
        "apa yang masih bisa diubah.",
    },
    "address_change_delivered": {
        "en": "Order {order} has already been delivered{on_day}, so its address can't be "
        "changed any more. A person from our team can help if something went wrong.",
        "id": "Pesanan {order} sudah diterima{on_day}, jadi alamatnya tidak bisa diubah "
        "lagi. Petugas kami bisa membantu kalau ada masalah.",
    },
    "eta_accepted": {
        "en": "Thanks for your patience! Order {order} should reach you {eta}.",
        "id": "Terima kasih atas kesabarannya! Pesanan {order} diperkirakan sampai {eta}.",
    },
    "eta_rejected": {
        "en": "I understand. I can't speed up the delivery myself; a person from our team "
        "can look at the options with you.",
        "id": "Saya mengerti. Saya tidak bisa mempercepat pengiriman sendiri; petugas kami "
        "bisa membantu mencari solusinya.",
    },
    # --- payments -----------------------------------------------------------------------
    "payment_not_found": {
        "en": "I couldn't find transaction {transaction}. Could you check the ID? It looks "
        "like TX-12345.",
        "id": "Transaksi {transaction} tidak ditemukan. Bisa dicek lagi ID-nya? Bentuknya "
        "seperti TX-12345.",
    },
    "payment_insufficient_funds": {
        "en": "Payment {transaction}{of_amount}{with_card} was declined for insufficient "
        "funds, so nothing was charged. Please top up or use another payment method, then "
        "try again.",
        "id": "Pembayaran {transaction}{of_amount}{with_card} ditolak karena saldo "
        "tidak cukup, jadi tidak ada dana yang terpotong. Silakan isi saldo atau pakai "
        "metode pembayaran lain, lalu coba lagi.",
    },
    "payment_card_expired": {
        "en": "Payment {transaction}{of_amount} was declined because the card{card} has "
        "expired, so nothing was charged. Please update your card or use another one and "
        "try again.",
        "id": "Pembayaran {transaction}{of_amount} ditolak karena kartu{card} sudah "
        "kedaluwarsa, jadi tidak ada dana yang terpotong. Silakan perbarui kartu atau pakai "
        "kartu lain, lalu coba lagi.",
    },
    "payment_bank_declined": {
        "en": "Your bank declined payment {transaction}{of_amount}{with_card}, so nothing "
        "was charged. Banks do this for security checks or card limits: please contact "
        "your bank, or try another card.",
        "id": "Bank Anda menolak pembayaran {transaction}{of_amount}{with_card}, jadi "
        "tidak ada dana yang terpotong. Bank biasanya melakukan ini karena pemeriksaan "
        "keamanan atau limit kartu: silakan hubungi bank Anda, atau coba kartu lain.",
    },
    "payment_failed_other": {
        "en": "Payment {transaction}{of_amount} didn't go through, so nothing was charged. "
        "Please try again, or use another payment method.",
        "id": "Pembayaran {transaction}{of_amount} tidak berhasil, jadi tidak ada dana "
        "yang terpotong. Silakan coba lagi, atau pakai metode pembayaran lain.",
    },
    "payment_succeeded": {
        "en": "Payment {transaction}{of_amount}{with_card} went through successfully.",
        "id": "Pembayaran {transaction}{of_amount}{with_card} sudah berhasil.",
    },
    "payment_refunded": {
        "en": "Payment {transaction}{of_amount} has been refunded. It can take a few "
        "working days before your bank shows it.",
        "id": "Pembayaran {transaction}{of_amount} sudah di-refund. Mungkin perlu "
        "beberapa hari kerja sampai dananya terlihat di rekening Anda.",
    },
    "payment_charged_but_failed": {
        "en": "I can see payment {transaction}{of_amount} was charged although the order "
        "didn't go through. I can't reverse charges myself; a person from our billing team "
        "needs to sort this out.",
        "id": "Saya lihat pembayaran {transaction}{of_amount} sudah terpotong padahal "
        "pesanannya gagal. Saya tidak bisa membatalkan tagihan sendiri; petugas bagian "
        "pembayaran kami perlu menyelesaikannya.",
    },
    "payment_double_charged": {
        "en": "I can see payment {transaction}{of_amount} was charged twice. I can't "
        "reverse the extra charge myself; a person from our billing team needs to sort "
        "this out.",
        "id": "Saya lihat pembayaran {transaction}{of_amount} terpotong dua kali. Saya "
        "tidak bisa membatalkan tagihan yang dobel sendiri; petugas bagian pembayaran kami "
        "perlu menyelesaikannya.",
    },
    "payment_disputed": {
        "en": "Our records show payment {transaction}{of_amount} as {status}. Since you "
        "see something different, a person from our billing team needs to check it.",
        "id": "Data kami mencatat pembayaran {transaction}{of_amount} dengan status "
        "{status}. Karena yang Anda lihat berbeda, petugas bagian pembayaran kami perlu "
        "mengeceknya.",
    },
    "payment_unauthorized": {
        "en": "I'm sorry, a payment you didn't make needs our team's attention straight "
        "away. If you think your card was misused, please also ask your bank to block it.",
        "id": "Mohon maaf, pembayaran yang tidak Anda lakukan perlu segera ditangani tim "
        "kami. Kalau kartu Anda disalahgunakan, mohon minta bank Anda memblokirnya juga.",
    },
    "refund_requested": {
        "en": "I can't issue refunds myself; a person from our team will review your "
        "refund request{for_what}.",
        "id": "Saya tidak bisa memproses refund sendiri; petugas kami akan meninjau "
        "permintaan refund Anda{for_what}.",
    },
    "refund_nothing_charged": {
        "en": "Payment {transaction}{of_amount} didn't go through, so nothing was charged "
        "and there is nothing to refund.",
        "id": "Pembayaran {transaction}{of_amount} tidak berhasil, jadi tidak ada dana "
        "yang terpotong dan tidak ada yang perlu di-refund.",
    },
    # --- accounts -----------------------------------------------------------------------
    "account_not_found": {
        "en": "I couldn't find an account with {email}. Could you check the address, or "
        "try the one you signed up with?",
        "id": "Akun dengan email {email} tidak ditemukan. Bisa dicek lagi, atau coba email "
        "yang Anda pakai waktu mendaftar?",
    },
    "account_reset_sent": {
        "en": "Your account was locked after too many sign-in attempts. I've sent a "
        "password reset link to {email}: open it to set a new password and your account "
        "unlocks. It can take a few minutes; please check your spam folder too.",
        "id": "Akun Anda terkunci karena terlalu banyak percobaan masuk. Saya sudah "
        "mengirim link reset kata sandi ke {email}: buka link itu untuk membuat kata sandi "
        "baru dan akun Anda akan terbuka. Mungkin perlu beberapa menit; cek juga folder "
        "spam.",
    },
    "password_reset_sent": {
        "en": "I've sent a password reset link to {email}. It can take a few minutes; "
        "please check your spam folder too.",
        "id": "Saya sudah mengirim link reset kata sandi ke {email}. Mungkin perlu beberapa "
        "menit; cek juga folder spam.",
    },
    "account_active_reset_sent": {
        "en": "Your account {email} is active: it isn't locked or suspended. In case you "
        "can't sign in, I've sent a password reset link to it. It can take a few minutes; "
        "please check your spam folder too.",
        "id": "Akun {email} aktif: tidak terkunci atau ditangguhkan. Kalau Anda tidak bisa "
        "masuk, saya sudah mengirim link reset kata sandi ke email itu. Mungkin perlu "
        "beberapa menit; cek juga folder spam.",
    },
    "reset_already_sent": {
        "en": "I sent a reset link to {email} a moment ago. Please use the newest email, "
        "and check your spam folder if you can't find it.",
        "id": "Saya sudah mengirim link reset ke {email} barusan. Pakai email yang paling "
        "baru, dan cek folder spam kalau belum ketemu.",
    },
    "reset_not_sent": {
        "en": "I couldn't send a reset link to {email} just now. A person from our team "
        "can help you get back in.",
        "id": "Saya belum bisa mengirim link reset ke {email} saat ini. Petugas kami bisa "
        "membantu Anda masuk kembali.",
    },
    "account_locked_security": {
        "en": "Your account was locked by our security checks to protect it. I can't "
        "unlock it myself; a person from our accounts team needs to confirm it's you.",
        "id": "Akun Anda dikunci oleh sistem keamanan kami untuk melindunginya. Saya tidak "
        "bisa membukanya sendiri; petugas bagian akun kami perlu memastikan bahwa ini "
        "memang Anda.",
    },
    "account_suspended": {
        "en": "The account {email} is suspended. I can't review or lift a suspension "
        "myself; a person from our accounts team needs to look at it.",
        "id": "Akun {email} sedang ditangguhkan. Saya tidak bisa meninjau atau mencabut "
        "penangguhan sendiri; petugas bagian akun kami perlu mengeceknya.",
    },
    "account_hacked": {
        "en": "I'm sorry, that's serious. A person from our team needs to secure your "
        "account. If you still can, change your password and sign out of other devices.",
        "id": "Mohon maaf, ini serius. Petugas kami perlu mengamankan akun Anda. Kalau "
        "masih bisa, segera ganti kata sandi dan keluar dari perangkat lain.",
    },
    # --- handover -----------------------------------------------------------------------
    "handover": {
        "en": "I'm passing you to a person from our {team} team, who will continue here. "
        "{queue} They'll see everything you've told me, so you won't need to repeat "
        "anything.",
        "id": "Saya teruskan ke petugas tim {team} kami, yang akan melanjutkan di sini. "
        "{queue} Petugas bisa melihat semua yang sudah Anda sampaikan, jadi Anda tidak "
        "perlu mengulanginya.",
    },
    "queue_position_wait": {
        "en": "You're number {position} in the queue; someone should be with you {wait}.",
        "id": "Anda di antrean nomor {position}; petugas akan membalas {wait}.",
    },
    "queue_next_wait": {
        "en": "You're next in the queue; someone should be with you {wait}.",
        "id": "Anda berikutnya di antrean; petugas akan membalas {wait}.",
    },
    "queue_position": {
        "en": "You're number {position} in the queue. Everyone on the team is busy or away "
        "right now; they'll reply as soon as someone is free.",
        "id": "Anda di antrean nomor {position}. Semua petugas sedang sibuk atau tidak di "
        "tempat; mereka akan membalas begitu ada yang senggang.",
    },
    "queue_wait": {
        "en": "Someone should be with you {wait}.",
        "id": "Petugas akan membalas {wait}.",
    },
    "queue_unknown": {
        "en": "They'll reply as soon as they're free.",
        "id": "Petugas akan membalas secepatnya.",
    },
    "queue_update": {
        "en": "Update: {queue}",
        "id": "Info terbaru: {queue}",
    },
    "team_closed": {
        "en": "Our {team} team is closed right now and opens {opens}. You're number "
        "{position} in line and will be among the first helped then. If you'd rather not "
        "wait here, reply with your email address and we'll write to you there.",
        "id": "Tim {team} kami sedang tutup dan buka {opens}. Anda di antrean nomor "
        "{position} dan akan didahulukan saat buka. Kalau tidak ingin menunggu di sini, "
        "balas dengan alamat email Anda dan kami akan menghubungi lewat email.",
    },
    "team_closed_since": {
        "en": "Our {team} team has closed for now and opens {opens}. You keep your place "
        "(number {position} in line). If you'd rather not wait here, reply with your email "
        "address and we'll write to you there.",
        "id": "Tim {team} kami sudah tutup dan buka {opens}. Tempat Anda di antrean tetap "
        "aman (nomor {position}). Kalau tidak ingin menunggu di sini, balas dengan alamat "
        "email Anda dan kami akan menghubungi lewat email.",
    },
    "team_open": {
        "en": "Our {team} team is open now. {queue}",
        "id": "Tim {team} kami sudah buka. {queue}",
    },
    "follow_up_noted": {
        "en": "Thanks, we'll write to you at {email}. You keep your place here too.",
        "id": "Terima kasih, kami akan menghubungi Anda di {email}. Tempat Anda di antrean "
        "tetap aman.",
    },
    "still_there": {
        "en": "Are you still there? Reply with anything to keep your place in the queue.",
        "id": "Apakah Anda masih di sana? Balas apa saja agar tempat Anda di antrean tetap aman.",
    },
    "still_here": {  # the quick-reply button under "are you still there?"
        "en": "I'm still here",
        "id": "Saya masih di sini",
    },
    "abandoned": {
        "en": "We've closed this chat because we didn't hear back. Write to us any time and "
        "we'll pick it up from here.",
        "id": "Percakapan ini kami tutup karena tidak ada balasan. Silakan kirim pesan kapan "
        "saja dan kami lanjutkan dari sini.",
    },
    "requeued": {
        "en": "Sorry for the wait: {agent} had to step away. You're first in line for the "
        "next person, who will see everything so far.",
        "id": "Mohon maaf menunggu: {agent} harus meninggalkan percakapan. Anda paling depan "
        "di antrean untuk petugas berikutnya, yang bisa melihat semua percakapan sejauh ini.",
    },
    "transferred_team": {
        "en": "{agent} is passing you to our {team} team, who will see everything so far. {queue}",
        "id": "{agent} meneruskan Anda ke tim {team} kami, yang bisa melihat semua percakapan "
        "sejauh ini. {queue}",
    },
    "transferred_agent": {
        "en": "{agent} is passing you to {to_agent}, who will see everything so far.",
        "id": "{agent} meneruskan Anda ke {to_agent}, yang bisa melihat semua percakapan "
        "sejauh ini.",
    },
    "agent_joined": {
        "en": "{agent} from {team} has joined the conversation.",
        "id": "{agent} dari tim {team} sudah bergabung dalam percakapan.",
    },
    "handed_back": {
        "en": "You're chatting with our assistant again. How else can I help?",
        "id": "Anda kembali terhubung dengan asisten kami. Ada lagi yang bisa saya bantu?",
    },
    "resolved": {
        "en": "This conversation is now closed. If you need anything else, just send us a "
        "message here.",
        "id": "Percakapan ini sudah selesai. Kalau butuh bantuan lagi, kirim saja pesan di sini.",
    },
    # --- one customer across channels (service/identity.py) -----------------------------
    # The same words whether or not we know the number: nobody can probe who is a customer.
    "identity_code_sent": {
        "en": "If {value} is yours and known to us, we have sent a code to it. Type it here "
        "to connect your conversations. The code works for {minutes} minutes.",
        "id": "Jika {value} milik Anda dan terdaftar di kami, kode sudah kami kirim ke sana. "
        "Ketik kodenya di sini untuk menghubungkan percakapan Anda. Kode berlaku {minutes} "
        "menit.",
    },
    "identity_code": {
        "en": "Your verification code: {code}. Don't share it with anyone; if you didn't ask "
        "for it, ignore this message.",
        "id": "Kode verifikasi Anda: {code}. Jangan berikan kepada siapa pun; jika Anda tidak "
        "memintanya, abaikan pesan ini.",
    },
    "identity_code_wrong": {
        "en": "That code isn't right. Please check it and try again ({tries} tries left).",
        "id": "Kode itu salah. Mohon periksa dan coba lagi (sisa {tries} kali).",
    },
    "identity_code_too_many": {
        "en": "That code isn't right, and there have been too many tries. You can ask for a "
        "new code.",
        "id": "Kode itu salah dan sudah terlalu banyak percobaan. Anda bisa meminta kode baru.",
    },
    "identity_code_expired": {
        "en": "That code has expired. You can ask for a new one.",
        "id": "Kode itu sudah kedaluwarsa. Anda bisa meminta kode baru.",
    },
    "identity_linked": {
        "en": "Linked: this chat is now connected to your conversations with us on other "
        "channels, so our team sees them all and you don't need to repeat anything.",
        "id": "Terhubung: percakapan ini sekarang tersambung dengan percakapan Anda di kanal "
        "lain, jadi tim kami bisa melihat semuanya dan Anda tidak perlu mengulang apa pun.",
    },
}

# Short pieces that slot into the messages above ("{with_carrier}" -> " with JNE").
FRAGMENTS: Final[dict[str, dict[str, str]]] = {
    "with_carrier": {"en": " with {carrier}", "id": " lewat {carrier}"},
    "from_carrier": {"en": " from {carrier}", "id": " dari {carrier}"},
    "tracking": {"en": " (tracking {tracking})", "id": " (resi {tracking})"},
    "on_day": {"en": " {day}", "id": " {day}"},
    "with_card": {"en": " with the card ending {last4}", "id": " dengan kartu berakhiran {last4}"},
    "card": {"en": " ending {last4}", "id": " berakhiran {last4}"},
    "for_order": {"en": " for order {order}", "id": " untuk pesanan {order}"},
    "for_transaction": {"en": " for {transaction}", "id": " untuk {transaction}"},
    "of_amount": {"en": " of {amount}", "id": " sebesar {amount}"},
    "status_succeeded": {"en": "successful", "id": "berhasil"},
    "status_failed": {"en": "failed", "id": "gagal"},
    "status_refunded": {"en": "refunded", "id": "sudah di-refund"},
    "soon": {"en": "soon", "id": "segera"},
    "earlier": {"en": "earlier", "id": "sebelumnya"},
}


def say(key: str, lang: str, **fields: object) -> str:
    """The message `key` in `lang` (English when the language is not one we write)."""
    return _pick(MESSAGES[key], lang).format(**fields)


def fragment(key: str, lang: str, **fields: object) -> str:
    """A piece for a message's optional slot; empty when its value is missing."""
    if any(value in (None, "") for value in fields.values()):
        return ""
    return _pick(FRAGMENTS[key], lang).format(**fields)


def queue_status(lang: str, position: int | None, wait_s: float | None) -> str:
    """Their place and the promised wait; either may be unknown (None)."""
    if position is not None and wait_s is not None:
        key = "queue_next_wait" if position <= 1 else "queue_position_wait"
        return say(key, lang, position=position, wait=wait_within(wait_s, lang))
    if position is not None:
        return say("queue_position", lang, position=position)
    if wait_s is not None:
        return say("queue_wait", lang, wait=wait_within(wait_s, lang))
    return say("queue_unknown", lang)


def handover_notice(lang: str, team_name: str, position: int | None, wait_s: float | None) -> str:
    """What the customer reads when a person takes over: who, their place in the queue,
    about how long (a wait they will most likely beat), and that they need not repeat
    anything."""
    return say("handover", lang, team=team_name, queue=queue_status(lang, position, wait_s))


def queue_update_notice(lang: str, position: int, wait_s: float | None) -> str:
    return say("queue_update", lang, queue=queue_status(lang, position, wait_s))


def agent_joined_notice(lang: str, agent: str, team_name: str) -> str:
    return say("agent_joined", lang, agent=agent, team=team_name)


def handed_back_notice(lang: str) -> str:
    return say("handed_back", lang)


def resolved_notice(lang: str) -> str:
    return say("resolved", lang)


def masking_warning(lang: str) -> str:
    return say("masking_warning", lang)


def _pick(variants: dict[str, str], lang: str) -> str:
    return variants.get(lang) or variants["en"]
