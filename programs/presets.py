"""The two seed programs as presets: every number of their work instruction.

PGD: IK Mystery Shopping, Contact Center Pegadaian (shared/seeds/000_…).
TLK: IK CC Telkom Mystery Shopping, IN.QCC.TELK.W-10 rev. 02 (shared/seeds/001_…).
A preset is plain data; services.preset_load turns it into a program.
"""

from datetime import date, time
from decimal import Decimal

from django.utils.translation import gettext_noop

# Bands by hour; night wraps past midnight (18:00–06:00).
BANDS = [
    ("morning", "Pagi (morning)", 6, 11),
    ("midday", "Siang (midday)", 11, 15),
    ("afternoon", "Sore (afternoon)", 15, 18),
    ("night", "Malam (night)", 18, 6),
]

DIGITAL_SUBCHANNELS = [("chat", "Chat"), ("email", "E-mail"), ("social", "Media sosial")]


def _p(text, weight=1, critical="", scope="shop", guidance="", when=None):
    """A parameter; `when` makes it conditional (issue #23): ("reason", [names])
    or ("category", [codes]) of this preset, resolved to ids when it is loaded."""
    parameter = {
        "text": text,
        "weight": Decimal(str(weight)),
        "critical_type": critical,
        "critical_scope": scope,
        "guidance": guidance,
    }
    if when:
        parameter["when"] = when
    return parameter


# Pegadaian's instruction names no parameter that applies to some contacts only,
# so its QM parameters stay unconditional (a manager adds e.g. "Menawarkan opsi
# cicilan/perpanjangan" for the payment reasons in the scorecard editor).


# Pegadaian: weighted QM parameters (PGD-2.1, 4.1), sections Solution / Process /
# Attitude, with customer-, business- and compliance-affecting criticals (PGD-2.3).
PGD_QM_SECTIONS = [
    {
        "code": "solution",
        "name": "Solusi (Solution)",
        "kpi": "Ketepatan solusi",
        "parameters": [
            _p(
                "Memberikan informasi/solusi yang benar dan lengkap sesuai ketentuan",
                25,
                "CACE",
                guidance="Bandingkan dengan jawaban benar pada skenario.",
            ),
            _p("Tidak menjanjikan hal di luar ketentuan perusahaan", 10, "BACE"),
            _p(
                "Melakukan verifikasi data nasabah sesuai ketentuan",
                10,
                "CoACE",
                guidance="Nama, nomor CIF/rekening, dan tanggal lahir sebelum membuka data.",
            ),
            _p("Memastikan nasabah memahami solusi yang diberikan", 5),
        ],
    },
    {
        "code": "process",
        "name": "Proses (Process)",
        "kpi": "Kejelasan komunikasi",
        "parameters": [
            _p("Salam pembuka sesuai standar", 5),
            _p("Melakukan probing untuk memahami kebutuhan nasabah", 8),
            _p("Prosedur hold/mute sesuai standar (izin dan terima kasih)", 5),
            _p("Menawarkan bantuan lain sebelum menutup", 4),
            _p("Salam penutup sesuai standar", 3),
        ],
    },
    {
        "code": "attitude",
        "name": "Sikap (Attitude)",
        "kpi": "Kesopanan",
        "parameters": [
            _p("Ramah, sopan, dan menunjukkan empati", 10),
            _p("Intonasi dan artikulasi jelas, tempo sesuai", 8),
            _p("Tidak memotong pembicaraan nasabah", 7),
        ],
    },
]

# Telkom: binary 1/0 (TLK-5.3.3); sections carry the three KPIs (TLK-5.4.1) and
# the "solution" dimension that TLK-5.5's coaching rule looks at.
TLK_SECTIONS = [
    {
        "code": "solution",
        "name": "Solusi (Solution)",
        "kpi": "Ketepatan solusi (solution accuracy)",
        "parameters": [
            _p("Solusi yang diberikan tepat dan sesuai ketentuan"),
            _p("Informasi yang diberikan lengkap"),
            _p("Melakukan pengecekan data/sistem sebelum memberi solusi"),
            _p(
                "Melakukan eskalasi sesuai prosedur",
                guidance="Hanya untuk komplain eskalasi: tiket dibuat dan nomornya diberikan.",
                when=("category", ["complaint_escalated"]),
            ),
        ],
    },
    {
        "code": "attitude",
        "name": "Sikap (Attitude)",
        "kpi": "Kesopanan agent (courtesy)",
        "parameters": [
            _p("Salam pembuka dan penutup sesuai standar"),
            _p("Ramah dan sopan sepanjang interaksi"),
            _p("Menunjukkan empati atas masalah pelanggan"),
        ],
    },
    {
        "code": "process",
        "name": "Proses (Process)",
        "kpi": "Kejelasan komunikasi (communication clarity)",
        "parameters": [
            _p("Bahasa jelas dan mudah dipahami pelanggan"),
            _p("Melakukan konfirmasi ulang atas kebutuhan pelanggan"),
            _p("Prosedur hold sesuai standar"),
        ],
    },
]

PRESETS = {
    "pegadaian": {
        "label": "Contact Center Pegadaian",
        "code": "PGD",
        "program": {
            "monthly_sample_size": 56,  # PGD-4.4 / 5.1.5
            "sample_size_is_minimum": False,
            "top_n_reasons": 10,  # PGD-4.3 / 5.1.4
            "top_reasons_per_area": False,  # PGD-4.3: one program-wide top 10
            "top_reasons_per_category": False,
            "min_shops_per_band": 0,
            "execution_pattern": "sessions_per_week",
            "sessions_per_week": 4,  # PGD-4.5 / 5.2.1
            "execution_weeks": [],
            "working_days": [1, 2, 3, 4, 5],
            "skip_public_holidays": True,
            "avoid_high_traffic": True,  # PGD-5.2.2
            "traffic_threshold_percent": 120,  # PGD-5.2.2
            "max_shops_per_shopper_slot": 2,
            "scoring_mode": "weighted",  # PGD-2.1: the QM score
            "target_score": Decimal("95"),  # PGD-5.1.2
            "report_due_day": 5,  # PGD-4.7 / 5.4
            "team_leader_forms_via_supervisor": False,
            "defect_notes_via_supervisor": False,
            "contact_time_tolerance_minutes": 30,
            "dispute_window_days": 5,
            "document_code": "IK-CC-PGD-MS",
            "document_title": "Instruksi Kerja Mystery Shopping Contact Center Pegadaian",
            "revision": "00",
            "effective_date": None,
        },
        "categories": [
            ("information", "Informasi (information)"),
            ("request", "Permintaan (request)"),
            ("complaint", "Komplain (complaint)"),
        ],
        "bands": BANDS,
        # PGD-4.5: six fixed intervals, 08:30–17:00; night has none (DESIGN.md).
        "slots": [
            ("morning", time(8, 30), time(10, 0)),
            ("morning", time(10, 0), time(11, 30)),
            ("midday", time(11, 30), time(13, 0)),
            ("midday", time(13, 0), time(14, 30)),
            ("midday", time(14, 30), time(16, 0)),
            ("afternoon", time(16, 0), time(17, 0)),
        ],
        "channels": [
            ("inbound", "Inbound (call 1500 569)", "inbound", []),
            ("outbound", "Outbound", "outbound", []),
            ("digital", "Digital", "digital", DIGITAL_SUBCHANNELS),
        ],
        "scorecards": [
            ("inbound", "QM Score Layanan Inbound", PGD_QM_SECTIONS),
            ("outbound", "QM Score Layanan Outbound", PGD_QM_SECTIONS),
            ("digital", "QM Score Layanan Digital", PGD_QM_SECTIONS),
        ],
        # PGD-6: request memo and documented-information list 3 years;
        # objective evidence (attendance, minutes, reports, coaching) 2 years.
        "retention": {
            "document_list": 3,
            "contact_data": 2,
            "sample_plan": 2,
            "ms_form": 2,
            "execution_record": 2,
            "follow_up": 2,
            "calibration": 2,
            "monthly_report": 2,
        },
        "revisions": [],
        # PGD-4.9 / 5.5.2: defects are reviewed with the agent in brief & debrief;
        # a critical error (PGD-2.3) calls for coaching.
        "coaching_rules": [
            {
                "name": gettext_noop("Critical error → coaching"),
                "metric": "critical",
                "comparison": "",
                "action": "coaching",
                "due_days": 3,
            },
            {
                "name": gettext_noop("Score below target → brief & debrief"),
                "metric": "shop",
                "comparison": "below_target",
                "action": "brief_debrief",
                "due_days": 5,
            },
        ],
        "reasons": [
            ("Informasi produk gadai", "information"),
            ("Informasi tabungan emas", "information"),
            ("Informasi cicilan dan angsuran", "information"),
            ("Informasi lelang barang jaminan", "information"),
            ("Lokasi dan jam buka outlet", "information"),
            ("Perpanjangan gadai", "request"),
            ("Reset PIN Pegadaian Digital", "request"),
            ("Permintaan rincian tagihan", "request"),
            ("Pelunasan dan penebusan", "request"),
            ("Komplain transaksi gagal", "complaint"),
            ("Komplain layanan outlet", "complaint"),
            ("Komplain aplikasi Pegadaian Digital", "complaint"),
        ],
    },
    "telkom": {
        "label": "Contact Center Telkom",
        "code": "TLK",
        "program": {
            "monthly_sample_size": 40,  # TLK-5.2.1.2: at least 40
            "sample_size_is_minimum": True,
            "top_n_reasons": 5,  # TLK-5.1.2
            "top_reasons_per_area": True,  # TLK-5.1.2: adjusted to the skills of each area
            # TLK-5.1.2: information, request, complaint FCR and escalated complaint.
            "top_reasons_per_category": True,
            "min_shops_per_band": 1,  # TLK-5.2.1.3: morning, midday, afternoon and night
            "execution_pattern": "weeks_of_month",
            "sessions_per_week": None,
            "execution_weeks": [2],  # TLK-5.2.1.3: week II
            "working_days": [1, 2, 3, 4, 5, 6, 7],  # a 24/7 center
            "skip_public_holidays": True,
            "avoid_high_traffic": False,  # the Telkom instruction has no traffic rule
            "traffic_threshold_percent": 120,
            "max_shops_per_shopper_slot": 2,
            "scoring_mode": "binary",  # TLK-5.3.3
            "target_score": Decimal("95"),
            "report_due_day": 5,
            "team_leader_forms_via_supervisor": True,  # TLK-5.3.4
            "supervisor_handin_days": 2,  # TLK-5.3.4: "by a set date"
            "defect_notes_via_supervisor": True,  # TLK-5.6.2
            "contact_time_tolerance_minutes": 30,  # TLK-5.3.1: at the set time
            "dispute_window_days": 5,
            "document_code": "IN.QCC.TELK.W-10",
            "document_title": "Instruksi Kerja CC Telkom Mystery Shopping",
            "revision": "02",
            "effective_date": date(2019, 6, 19),
        },
        "categories": [
            ("information", "Informasi (information)"),
            ("request", "Permintaan (request)"),
            ("complaint_fcr", "Komplain FCR (complaint, first-contact resolved)"),
            ("complaint_escalated", "Komplain eskalasi (complaint, escalated)"),
        ],
        "bands": BANDS,
        # TLK-5.2.1.3: week II, covering morning, midday, afternoon and night.
        "slots": [
            ("morning", time(7, 0), time(9, 0)),
            ("morning", time(9, 0), time(11, 0)),
            ("midday", time(11, 0), time(13, 0)),
            ("midday", time(13, 0), time(15, 0)),
            ("afternoon", time(15, 0), time(17, 0)),
            ("night", time(19, 0), time(21, 0)),
            ("night", time(21, 0), time(23, 0)),
        ],
        "channels": [
            ("inbound", "Inbound (call 147)", "inbound", []),
            ("digital", "Digital", "digital", DIGITAL_SUBCHANNELS),
        ],
        "scorecards": [
            ("inbound", "Form Mystery Shopping (F-31) Inbound", TLK_SECTIONS),
            ("digital", "Form Mystery Shopping (F-31) Digital", TLK_SECTIONS),
        ],
        # TLK-6: F-27, F-28, F-31, F-32 kept 3 years by the QC analyst.
        "retention": {
            "document_list": 3,
            "contact_data": 3,
            "sample_plan": 3,
            "ms_form": 3,
            "execution_record": 3,
            "follow_up": 3,
            "calibration": 3,
            "monthly_report": 3,
        },
        # TLK-7
        "revisions": [
            (
                "01",
                date(2017, 6, 5),
                "Rincian prosedur disesuaikan kondisi saat ini; istilah 'calling' menjadi "
                "'shopping'; istilah 'call' menjadi 'contact'.",
            ),
            ("02", date(2019, 6, 19), "Mengganti logo perusahaan Infomedia."),
        ],
        # TLK-5.5
        "coaching_rules": [
            {
                "name": gettext_noop("Solution = 0 → coaching"),
                "metric": "sections",
                "section_codes": ["solution"],
                "comparison": "zero",
                "action": "coaching",
                "due_days": 5,
            },
            {
                "name": gettext_noop("Process & attitude below target → coaching or SGD"),
                "metric": "sections",
                "section_codes": ["process", "attitude"],
                "comparison": "below_target",
                "action": "coaching_or_sgd",
                "due_days": 5,
            },
        ],
        "reasons": [
            ("Informasi tagihan", "information"),
            ("Informasi paket IndiHome", "information"),
            ("Pasang baru IndiHome", "request"),
            ("Ubah paket layanan", "request"),
            ("Ganti password WiFi", "request"),
            ("Internet lambat", "complaint_fcr"),
            ("Tagihan tidak sesuai", "complaint_fcr"),
            ("Internet mati total", "complaint_escalated"),
            ("Gangguan telepon rumah", "complaint_escalated"),
        ],
    },
}

PRESET_CHOICES = [(key, preset["label"]) for key, preset in PRESETS.items()]
