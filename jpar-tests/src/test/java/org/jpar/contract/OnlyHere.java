package org.jpar.contract;

/**
 * Template of a class only one rank has: {@link ObjectShapesContract} renames it in its bytes to
 * {@code org.jpar.contract.OnlyHerX} and defines it in a private loader, so no receiver can load it.
 */
public class OnlyHere implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public int x = 42;
}
