# flask.sansio under framework.compat.flask.install(): a package whose
# modules resolve to the framework's one class of each (app, blueprints,
# scaffold); it exports nothing itself.
