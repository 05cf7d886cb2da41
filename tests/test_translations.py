"""The catalogs: complete, current, true to the placeholders; plurals by each language's rule."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog

from bot.domain import texts
from bot.domain.i18n import LANGUAGES, _, ngettext, supported, translations, use_language
from tests.support.catalogs import (
    SOURCES,
    fields,
    marked_strings,
    read_catalog,
    read_compiled,
)

TRANSLATED = [code for code in LANGUAGES if code != "en"]
TAG = re.compile(r"</?[a-z]+[^>]*>")


def forms(string: object) -> list[str]:
    """A message's translation as a list of its forms (one unless plural)."""
    if isinstance(string, tuple | list):
        return list(string)
    return [string or ""]


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_the_code_uses_is_translated(language: str) -> None:
    catalog = read_catalog(language)
    problems = []
    for marked in marked_strings():
        message = catalog.get(marked.msgid)
        if message is None:
            problems.append(f"missing: {marked.msgid!r} ({marked.where})")
        elif message.fuzzy:
            problems.append(f"fuzzy: {marked.msgid!r} ({marked.where})")
        elif not all(forms(message.string)):
            problems.append(f"untranslated: {marked.msgid!r} ({marked.where})")
        elif marked.plural is not None and len(forms(message.string)) != catalog.num_plurals:
            problems.append(f"not {catalog.num_plurals} plural forms: {marked.msgid!r}")
    update = "pybabel extract, update, then translate (README, Languages)"
    assert not problems, f"{language} catalog ({update}):\n" + "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_translations_keep_the_placeholders_and_tags_of_the_english(language: str) -> None:
    problems = []
    for message in read_catalog(language):
        if not message.id:
            continue
        ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
        for index, text in enumerate(forms(message.string)):
            if not text:
                continue
            # Russian's "one" form also serves 21, 31...: every form must show the count.
            english = ids[min(index, 1)] if len(ids) > 1 else ids[0]
            try:
                if fields(text) != fields(english):
                    problems.append(f"{english!r} -> {text!r}: placeholders differ")
            except ValueError as exc:
                problems.append(f"{text!r}: {exc}")
            if sorted(TAG.findall(text)) != sorted(TAG.findall(english)):
                problems.append(f"{english!r} -> {text!r}: HTML tags differ")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalogs_are_those_of_the_po_files(language: str) -> None:
    def table(catalog: Catalog) -> dict[tuple[str, ...], tuple[str, ...]]:
        # read_mo gives plural ids and forms as lists, read_po as tuples.
        return {
            tuple(m.id) if not isinstance(m.id, str) else (m.id,): tuple(forms(m.string))
            for m in catalog
            if m.id and not m.fuzzy and all(forms(m.string))
        }

    assert table(read_compiled(language)) == table(read_catalog(language)), (
        f"bot/locales/{language}: run pybabel compile (README, Languages)"
    )


@pytest.mark.parametrize("language", TRANSLATED)
def test_each_catalog_has_its_languages_plural_rule(language: str) -> None:
    catalog = read_catalog(language)
    assert catalog.locale is not None and str(catalog.locale) == language
    assert catalog.num_plurals == {"ru": 3, "de": 2}[language]
    # The compiled catalog carries the rule: the form for 1, 2, 5, 11 and 21.
    rule = translations(language).plural  # type: ignore[attr-defined]
    expected = {"ru": [0, 1, 2, 2, 0], "de": [0, 1, 1, 1, 1]}[language]
    assert [rule(n) for n in (1, 2, 5, 11, 21)] == expected


def test_russian_plurals_come_from_the_catalog() -> None:
    with use_language("ru"):
        chats = {n: texts.send_button(n) for n in (1, 2, 5, 11, 21, 22, 25, 111)}
        more = texts.stopped(21)
    assert chats == {
        1: "Отправить в 1 чат",
        2: "Отправить в 2 чата",
        5: "Отправить в 5 чатов",
        11: "Отправить в 11 чатов",
        21: "Отправить в 21 чат",
        22: "Отправить в 22 чата",
        25: "Отправить в 25 чатов",
        111: "Отправить в 111 чатов",
    }
    assert "21 подписку" in more


def test_english_and_german_plurals() -> None:
    assert texts.send_button(1) == "Send to 1 chat"
    assert texts.send_button(2) == "Send to 2 chats"
    assert texts.stopped(1).count("1 subscription.") == 1
    with use_language("de"):
        assert texts.send_button(1) == "An 1 Chat senden"
        assert texts.send_button(5) == "An 5 Chats senden"


def test_a_language_tag_names_one_of_ours_or_none() -> None:
    assert supported("de-AT") == "de"
    assert supported("ru") == supported("RU") == supported("ru_RU") == "ru"
    assert supported("en-GB") == "en"
    assert supported("pt-br") is None
    assert supported("") is None and supported(None) is None
    with use_language("pt-br"):
        assert _("Read more") == "Read more"
    with use_language("de-CH"):
        assert _("Read more") == "Weiterlesen"
        assert ngettext("… and {count} more", "… and {count} more", 3) == "… und {count} weitere"


def test_the_language_is_the_blocks_alone() -> None:
    with use_language("ru"):
        with use_language("de"):
            assert _("Cancel") == "Abbrechen"
        assert _("Cancel") == "Отмена"
    assert _("Cancel") == "Cancel"


def _translated_at_import(tree: ast.Module) -> list[int]:
    """Lines calling _() or ngettext() outside any function: translated once, in English."""
    lines = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"_", "ngettext"}
        ):
            lines.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return lines


def test_no_text_is_translated_at_import_time() -> None:
    problems = []
    for path in sorted(SOURCES.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        problems += [f"{path.relative_to(SOURCES.parent)}:{n}" for n in _translated_at_import(tree)]
    assert not problems, "use N_() for constants and _() where they are used:\n" + "\n".join(
        problems
    )


def test_the_bad_pattern_is_caught() -> None:
    tree = ast.parse('from x import _\nA = _("a")\n\ndef f():\n    return _("b")\n')
    assert _translated_at_import(tree) == [2]
    assert Path(SOURCES / "domain" / "i18n.py").exists()


def test_every_compiled_catalog_ships_with_the_package() -> None:
    pyproject = tomllib.loads((SOURCES.parent / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = pyproject["tool"]["setuptools"]["package-data"]["bot"]
    for code in TRANSLATED:
        compiled = SOURCES / "locales" / code / "LC_MESSAGES" / "newsbot.mo"
        assert compiled.is_file(), f"{code}: run pybabel compile"
        inside = compiled.relative_to(SOURCES)
        assert any(inside.match(pattern) for pattern in shipped), f"{inside} not package data"


def _marked_constants(trees: dict[Path, ast.Module]) -> set[str]:
    """The names of module-level constants whose value is N_("…")."""
    names = set()
    for tree in trees.values():
        for node in tree.body:
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "N_"
            ):
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def _untranslated_uses(tree: ast.Module, constants: set[str]) -> list[int]:
    """Lines reading an N_ constant other than inside _() or as a guard's refusal.

    A guard (bot.messaging.guards) takes its refusal untranslated and translates it when said.
    """
    lines = []
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    decorators = {
        id(d)
        for node in ast.walk(tree)
        if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef)
        for d in node.decorator_list
    }
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
        if name not in constants or not isinstance(getattr(node, "ctx", None), ast.Load):
            continue
        parent = parents.get(node)
        if isinstance(node, ast.Name) and isinstance(parent, ast.Attribute):
            continue
        if isinstance(node, ast.Attribute) and not (
            isinstance(node.value, ast.Name) and node.value.id[:1].islower()
        ):
            continue  # FilterAction.USAGE: an enum's member, not a module's constant
        if isinstance(parent, ast.arguments):
            continue  # a guard's default refusal: the guard translates it
        translated = (
            isinstance(parent, ast.Call)
            and isinstance(parent.func, ast.Name)
            and parent.func.id == "_"
        )
        if not translated and id(parent) not in decorators:
            lines.append(node.lineno)
    return lines


def test_every_marked_constant_is_translated_where_it_is_used() -> None:
    trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in sorted(SOURCES.rglob("*.py"))}
    constants = _marked_constants(trees)
    assert {"WELCOME", "CANCEL"} <= constants
    problems = [
        f"{path.relative_to(SOURCES.parent)}:{line}"
        for path, tree in trees.items()
        for line in _untranslated_uses(tree, constants)
    ]
    assert not problems, "an N_() constant is English until _() translates it:\n" + "\n".join(
        problems
    )


def test_an_untranslated_constant_is_caught() -> None:
    source = (
        'A = N_("a")\n'
        "@guard(texts.A)\n"
        "async def f(x=A):\n"
        "    await answer(q, texts.A)\n"
        "    return _(texts.A), Kind.A\n"
    )
    tree = ast.parse(source)
    assert _marked_constants({Path("m.py"): tree}) == {"A"}
    assert _untranslated_uses(tree, {"A"}) == [4]
