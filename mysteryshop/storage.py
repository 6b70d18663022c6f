"""Static files in production: WhiteNoise's hashed, compressed storage."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """WhiteNoise's manifest storage, without rewriting source-map comments.

    Vendored bundles (static/vendor/) end with a `sourceMappingURL` comment for
    a .map file their release does not ship; the manifest storage would then
    fail collectstatic, and with it the image build. Maps are for debugging
    only, so the comment is left as it is (url() and @import are still
    rewritten to hashed names).
    """

    patterns = tuple(
        (glob, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
        for glob, rules in CompressedManifestStaticFilesStorage.patterns
    )
