/**
 * The job layer: Python's {@code multiprocessing.Pool} ({@link org.jpar.job.Pool}) and Parallel Python's job server
 * ({@link org.jpar.job.JobServer}) on top of jpar's ranks.
 *
 * <p>Both are collective: every rank creates one; rank 0 (the master) submits and also computes in its own threads;
 * the other ranks serve inside the constructor until the master closes it. Tasks are ordinary lambdas or method
 * references of the serializable types {@link org.jpar.job.Task}, {@link org.jpar.job.BiTask} and
 * {@link org.jpar.job.CallableTask}: since every rank runs the same program, a task travels as a reference to its
 * code plus its captured values and arguments, encoded by jpar's codec (Apache Fory), and is rebuilt on the receiving
 * rank with that rank's own copy of the program's classes. Results and exceptions travel back the same way.
 */
package org.jpar.job;
