enum PlaceholderGazetteIngest {}
