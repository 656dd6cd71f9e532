/**
 * JMH benchmarks of ConsentKit against raw JDBC and against the stores a Java team would otherwise use. Not
 * published; {@code benchmarks/run.sh} seeds the databases, runs them and writes the results.
 */
package dev.consentkit.benchmarks;
