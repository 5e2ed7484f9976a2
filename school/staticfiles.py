"""The static files storage of production: hashed, compressed, ES modules resolved.

WhiteNoise's CompressedManifestStaticFilesStorage names every file by its content
hash; Django rewrites the URLs a file refers to, but the `import ... from "./x.js"`
and `export ... from "./x.js"` of native ES modules (static/js/gradebook/) only when
`support_js_module_import_aggregation` is on. Without it the hashed main.js would
import unhashed names, which are served without the far-future caching and could
mix two releases' modules.

Module files must not import each other in a cycle: a file's hash depends on the
hashed names it imports.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
