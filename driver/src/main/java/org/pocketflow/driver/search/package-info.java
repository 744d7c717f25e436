/**
 * Hyper-parameter search: what a study proposes next. A {@link org.pocketflow.driver.search.SearchSpace}
 * (ordered, named {@link org.pocketflow.driver.search.Dimension}s, each mappable onto the unit
 * interval), the immutable history it learns from ({@link org.pocketflow.driver.search.Trial},
 * {@link org.pocketflow.driver.search.Point}), and the extension point
 * {@link org.pocketflow.driver.search.Sampler} with one implementation per algorithm: random search,
 * TPE (Bergstra et al. 2011), Gaussian-process expected improvement and AMC-style DDPG (He et al.
 * 2018). The objective is maximised. Pure Java: no Spark and no ND4J here, so the samplers run on
 * the driver between trials and in unit tests alike. Every sampler is seeded through its constructor
 * and gives the same proposal for the same seed and history.
 */
package org.pocketflow.driver.search;
