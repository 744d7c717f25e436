/**
 * The model zoo (LeNet, ResNet-20, MobileNet-v1 style networks for small images, behind
 * {@link org.pocketflow.worker.model.ModelFactory}), loading a user's DL4J model, and
 * {@link org.pocketflow.worker.model.ModelInfo}: per-layer shapes, parameters, multiply-adds,
 * bytes and the channel dependency groups the compression learners rely on.
 */
package org.pocketflow.worker.model;
