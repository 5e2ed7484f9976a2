"""The gradebook's native ES modules survive collectstatic's hashed names.

Production serves static files under content-hashed names (school.staticfiles);
a module's relative `import ... from "./x.js"` must then name the hashed file too,
or the browser would load an unhashed (or missing) module.
"""

import json
import re
from pathlib import Path

import pytest
from django.core.management import call_command

PROJECT_ROOT = Path(__file__).resolve().parents[2]
MODULES = PROJECT_ROOT / "static" / "js" / "gradebook"
IMPORT = re.compile(
    r"""^(?:import|export)\b[^;]*?\bfrom\s*["'](?P<url>[^"']+)["'];""", re.M
)


def imports(text):
    return IMPORT.findall(text)


@pytest.fixture
def collected(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    settings.STATICFILES_FINDERS = [
        "django.contrib.staticfiles.finders.FileSystemFinder"
    ]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "school.staticfiles.ManifestStaticFilesStorage"},
    }
    call_command("collectstatic", interactive=False, verbosity=0)
    return tmp_path, json.loads((tmp_path / "staticfiles.json").read_text())["paths"]


def test_every_module_import_names_a_hashed_file_that_exists(collected):
    root, manifest = collected
    sources = sorted(MODULES.glob("*.js"))
    assert len(sources) > 5
    for source in sources:
        name = f"js/gradebook/{source.name}"
        hashed = root / manifest[name]
        found = imports(hashed.read_text())
        assert len(found) == len(imports(source.read_text())), name
        for url in found:
            assert re.fullmatch(r"\./\w+\.[0-9a-f]{12}\.js", url), (name, url)
            assert (hashed.parent / url).is_file(), (name, url)


def test_main_reaches_every_module_of_the_grid():
    reached, waiting = set(), ["main.js"]
    while waiting:
        name = waiting.pop()
        if name in reached:
            continue
        reached.add(name)
        waiting.extend(
            url.removeprefix("./") for url in imports((MODULES / name).read_text())
        )
    assert reached == {path.name for path in MODULES.glob("*.js")}


def test_the_modules_stay_small():
    sizes = {
        path.name: len(path.read_text().splitlines()) for path in MODULES.glob("*.js")
    }
    assert max(sizes.values()) <= 300, sizes


@pytest.mark.django_db
def test_the_gradebook_page_loads_the_grid_as_a_module(
    client, teacher, classroom_subject, term, homework
):
    client.force_login(teacher)
    response = client.get(
        f"/classrooms/{classroom_subject.classroom_id}/gradebook/",
        {"subject": classroom_subject.pk, "term": term.pk},
    )
    assert response.status_code == 200
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert '<script type="module" src="/static/js/gradebook/main.js">' in scripts
