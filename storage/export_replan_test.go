package storage

// ReplanEvery is replanEvery, for the tests.
const ReplanEvery = replanEvery
