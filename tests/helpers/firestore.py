"""The project id every test's Firestore emulator runs under."""

FIRESTORE_PROJECT_ID = "demo-test"
