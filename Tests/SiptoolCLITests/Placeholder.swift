import Testing
@Test func placeholderSiptoolCLI() {}
