"""#22: what an Indonesian user reads, read as they read it. Every page of the
permission matrix is rendered in Indonesian, for a persona that may open it,
and its visible text must hold no English sentence of the catalogue (an msgid
whose Indonesian differs): a string left unwrapped, stored worded in English,
or worded before the reader's language was known shows up here."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import translation

from programs.models import User
from tests.test_permission_matrix import PERSONAS, TABLE, world  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

# Phrases of at least this many words are sure to be a sentence, not a name or a code.
MIN_WORDS = 3
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfi]|%[sdfi]|\{\{[^}]*\}\}|\{\w*\}")
INVISIBLE = re.compile(r"<(script|style|template)\b.*?</\1>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")


def english_phrases() -> set[str]:
    """The literal runs (between placeholders) of every msgid the Indonesian
    catalogue translates differently, long enough to be English sentences."""
    with translation.override("id"):
        catalog = translation.trans_real.translation("id")._catalog
    phrases = set()
    for key, value in catalog.items():
        if not isinstance(key, str) or not key or value == key:
            continue
        for run in PLACEHOLDER.split(key):
            run = " ".join(run.split()).strip(" .,:;()“”\"'")
            if len(run.split()) >= MIN_WORDS and "<" not in run and run not in value:
                phrases.add(run)
    return phrases


def visible_text(body: str) -> str:
    text = TAG.sub(" ", INVISIBLE.sub(" ", body))
    return " ".join(html.unescape(text).split())


def _pages():
    for name, entry in sorted(TABLE.items()):
        if entry.get is None:
            continue
        readers = [p for p in PERSONAS if entry.get.get(p) == 200]
        if readers:
            yield pytest.param(name, readers[0], id=f"{name}-{readers[0]}")


@pytest.fixture(scope="module")
def phrases():
    return english_phrases()


@pytest.mark.parametrize(("name", "persona"), list(_pages()))
def test_an_indonesian_reader_meets_no_english_sentence(client, world, phrases, name, persona):  # noqa: F811
    entry = TABLE[name]
    if persona != "anonymous":
        user = world.users[persona]
        User.objects.filter(pk=user.pk).update(language="id")
        client.force_login(user)
    client.cookies["django_language"] = "id"
    response = client.get(reverse(name, args=entry.args(world)), HTTP_ACCEPT_LANGUAGE="id")
    if response.streaming:
        b"".join(response.streaming_content)
        return  # files: their words are checked where they are built
    content_type = response.get("Content-Type", "")
    if not content_type.startswith("text/html"):
        return
    text = visible_text(response.content.decode())
    found = sorted(p for p in phrases if p in text)
    assert not found, f"English on {name} in Indonesian: {found[:8]}"


def test_the_check_sees_an_english_sentence(phrases):
    """The check itself: a known English sentence of the catalogue is found."""
    sample = "Nothing is waiting for you"
    assert sample in phrases
    assert sample in visible_text(f"<p>{sample}.</p>")
