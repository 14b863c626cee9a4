import Testing
@Test func placeholderPcapIO() {}
