/** Docker dependencies: engine connection, images, containers, readiness, and this project's cleanup. */

export {ForeignContainerError} from './container.js'
export {connectEngine, describeEngine, type EngineConnection, EngineUnreachableError} from './engine.js'
export {ensureImage, ImageError, pullImage} from './image.js'
export {listProjectContainers, removeProjectContainers, stopProjectContainers} from './project.js'
export {createDependencyRunners, DependencyRunner} from './runner.js'
