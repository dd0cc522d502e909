enum PlaceholderGazetteRender {}
