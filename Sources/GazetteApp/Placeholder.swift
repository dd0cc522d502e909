enum PlaceholderGazetteApp {}
