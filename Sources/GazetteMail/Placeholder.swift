enum PlaceholderGazetteMail {}
