import Testing
@Test func placeholderRTP() {}
