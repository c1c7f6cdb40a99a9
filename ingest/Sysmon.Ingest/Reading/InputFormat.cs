namespace Sysmon.Ingest.Reading;

/// <summary>The input forms the readers understand; <see cref="Auto"/> sniffs the content.</summary>
public enum InputFormat { Auto, Evtx, Xml, Json, Text, Csv }
