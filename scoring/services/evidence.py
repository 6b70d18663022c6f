"""Evidence files of a shop (objective evidence, PGD-4.8, TLK-5.3.2): what a
file is by its bytes, whether its name and kind agree with them, and who may
add or remove one.

A file is judged by its content, never by its name: a text file named .png, an
HTML page named .mp3 or a QuickTime video named .m4a is refused, with the type
found and the types accepted named next to the field.
"""

from dataclasses import dataclass
from pathlib import PurePath

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programs.models import User
from scoring.models import Evidence, EvidenceKind, ReviewAction, ReviewEvent, Shop

EVIDENCE_MAX_BYTES = 25 * 1024 * 1024
HEAD_BYTES = 512


@dataclass(frozen=True)
class FileType:
    content_type: str
    label: object  # lazily translated: what the type is called in messages
    extensions: tuple[str, ...]  # the usual one first
    kinds: frozenset[str]  # EvidenceKind values a file of this type may be

    @property
    def plays(self) -> str:
        """How a page shows it: "audio", "image" or "" (a download)."""
        return (
            self.content_type.partition("/")[0]
            if self.content_type.startswith(("audio/", "image/"))
            else ""
        )


def _kinds(*kinds) -> frozenset[str]:
    return frozenset(k.value for k in kinds) | {EvidenceKind.OTHER.value}


AUDIO = _kinds(EvidenceKind.RECORDING)
IMAGE = _kinds(EvidenceKind.SCREENSHOT, EvidenceKind.TRANSCRIPT)
DOCUMENT = _kinds(EvidenceKind.TRANSCRIPT, EvidenceKind.SCREENSHOT)

TYPES = {
    t.content_type: t
    for t in [
        FileType("audio/mpeg", "MP3", ("mp3",), AUDIO),
        FileType(
            "audio/wav",
            "WAV",
            (
                "wav",
                "wave",
            ),
            AUDIO,
        ),
        FileType(
            "audio/ogg",
            "OGG",
            (
                "ogg",
                "oga",
                "opus",
            ),
            AUDIO,
        ),
        FileType(
            "audio/mp4",
            "M4A",
            (
                "m4a",
                "mp4",
                "aac",
            ),
            AUDIO,
        ),
        FileType("image/png", "PNG", ("png",), IMAGE),
        FileType(
            "image/jpeg",
            "JPEG",
            (
                "jpg",
                "jpeg",
            ),
            IMAGE,
        ),
        FileType("image/webp", "WebP", ("webp",), IMAGE),
        FileType("application/pdf", "PDF", ("pdf",), DOCUMENT),
        FileType(
            "text/plain",
            gettext_lazy("plain text"),
            (
                "txt",
                "text",
                "log",
                "csv",
                "eml",
            ),
            DOCUMENT,
        ),
    ]
}

# Brands of an ISO media file ("ftyp" at byte 4) that are audio; "qt  " is a
# QuickTime movie, "mp42"/"isom" may be video, so only audio brands pass.
AUDIO_BRANDS = {b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"dash"}
# Content that would run in a browser if ever shown as a page.
ACTIVE_TEXT = (b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml", b"<body", b"<iframe")


def sniff(head: bytes) -> str | None:
    """The content type a file's first bytes show (see TYPES); None for any
    other content (video, HTML, archives, executables, …)."""
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        # An ID3 tag, or an MPEG audio frame sync (11 bits set).
        return "audio/mpeg" if not head.startswith(b"\xff\xd8") else None
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head[4:8] == b"ftyp":
        return "audio/mp4" if head[8:12] in AUDIO_BRANDS else None
    if head and b"\x00" not in head:
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 3:  # not just a cut multi-byte character
                return None
        if head.lstrip().lower().startswith(ACTIVE_TEXT):
            return None
        return "text/plain"
    return None


def described(head: bytes) -> str:
    """What a refused file looks like, for the message: 'plain text', 'HTML', …"""
    start = head.lstrip().lower()
    if start.startswith(ACTIVE_TEXT):
        return _("a web page (HTML/SVG/XML)")
    if head[4:8] == b"ftyp":
        brand = head[8:12].decode("ascii", "replace").strip()
        return _("a video (MP4/QuickTime, brand “%(brand)s”)") % {"brand": brand}
    return _("content of an unknown type")


def accepted_text() -> str:
    return _(
        "Accepted: a recording (MP3, WAV, M4A, OGG), a screenshot (PNG, JPEG, WebP), a PDF "
        "or a text transcript (.txt)."
    )


def check_file(*, name: str, head: bytes, kind: str) -> FileType:
    """The file's type, when its bytes are an accepted type that agrees with
    its name's extension and with the kind chosen; else ValidationError on
    "file" (or "kind") naming what was found and what is accepted."""
    content_type = sniff(head)
    if content_type is None:
        raise ValidationError(
            {
                "file": _("%(name)s is %(found)s, which is not accepted. %(accepted)s")
                % {"name": name, "found": described(head), "accepted": accepted_text()}
            }
        )
    found = TYPES[content_type]
    extension = PurePath(name).suffix.lower().lstrip(".")
    if extension not in found.extensions:
        raise ValidationError(
            {
                "file": _(
                    "%(name)s is named .%(ext)s but its content is %(found)s: rename it "
                    "to .%(right)s if that is what it is, or upload the right file."
                )
                % {
                    "name": name,
                    "ext": extension or "—",
                    "found": found.label,
                    "right": found.extensions[0],
                }
            }
        )
    if kind not in found.kinds:
        raise ValidationError(
            {
                "kind": _("A %(found)s file cannot be a “%(kind)s”: choose %(allowed)s.")
                % {
                    "found": found.label,
                    "kind": EvidenceKind(kind).label,
                    "allowed": ", ".join(
                        f"“{EvidenceKind(k).label}”" for k in sorted(found.kinds)
                    ),
                }
            }
        )
    return found


def file_type(evidence: Evidence) -> FileType | None:
    return TYPES.get(evidence.content_type)


def _editable_by(shop: Shop, user: User) -> None:
    if shop.shopper_id != user.pk or not shop.is_editable_by_shopper:
        raise PermissionDenied


@transaction.atomic
def evidence_add(*, shop: Shop, user: User, upload, kind: str) -> Evidence:
    """Attach a file, checked by its content (not its name), name and size;
    the shop's history records it."""
    _editable_by(shop, user)
    if upload.size == 0:
        raise ValidationError({"file": _("%(name)s is empty (0 bytes).") % {"name": upload.name}})
    if upload.size > EVIDENCE_MAX_BYTES:
        raise ValidationError(
            {
                "file": _("%(name)s is %(size)s; at most %(max)s is accepted.")
                % {
                    "name": upload.name,
                    "size": filesizeformat(upload.size),
                    "max": filesizeformat(EVIDENCE_MAX_BYTES),
                }
            }
        )
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    found = check_file(name=upload.name, head=head, kind=kind)
    evidence = Evidence(
        shop=shop,
        kind=kind,
        original_name=upload.name[:255],
        content_type=found.content_type,
        size=upload.size,
        uploaded_by=user,
    )
    evidence.file.save(PurePath(upload.name).name, upload, save=False)
    evidence.save()
    ReviewEvent.objects.create(
        shop=shop, action=ReviewAction.EVIDENCE_ADDED, by=user, comment=evidence.original_name
    )
    return evidence


@transaction.atomic
def evidence_remove(*, evidence: Evidence, user: User) -> None:
    """The shopper takes back an upload of theirs while the form is not handed
    in; the shop's history keeps the name, kind and size of what was removed."""
    shop = Shop.objects.select_for_update().get(pk=evidence.shop_id)
    _editable_by(shop, user)
    if evidence.uploaded_by_id != user.pk:
        raise PermissionDenied
    ReviewEvent.objects.create(
        shop=shop,
        action=ReviewAction.EVIDENCE_REMOVED,
        by=user,
        comment=f"{evidence.original_name} ({evidence.get_kind_display()}, {evidence.size} B)",
    )
    stored = evidence.file
    evidence.delete()
    transaction.on_commit(lambda: stored.storage.delete(stored.name))


def evidence_missing(shop: Shop) -> bool:
    """True when the shop's channel asks for evidence at submit and it has none."""
    channel = shop.channel
    return bool(channel and channel.evidence_required and not shop.evidence.exists())
