package org.layerskip.tasks;

/**
 * One prompt of a task suite.
 *
 * @param id a stable name, e.g. {@code cgi.py:238:parse_header}
 * @param prompt the text the model continues
 * @param truth the held-out continuation, or null for suites without one ({@code free})
 */
public record TaskExample(String id, String prompt, String truth) {}
